"""Host-side Unix socket listener for the seccomp probe tests.

Binds a SOCK_STREAM and a SOCK_DGRAM socket at the given paths, prints "ready", counts every
connection, byte and datagram that arrives, and when its stdin closes prints
"connections=N bytes=M datagrams=K" and exits. The test asserts on those counts.
"""
import os
import select
import socket
import sys

stream_path, dgram_path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(stream_path)
s.listen(16)
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d.bind(dgram_path)
os.chmod(stream_path, 0o666)
os.chmod(dgram_path, 0o666)
print("ready", flush=True)
connections = received = datagrams = 0
clients = []
while True:
    readable, _, _ = select.select([s, d, 0] + clients, [], [])
    for x in readable:
        if x == 0:
            if not os.read(0, 4096):
                print("connections=%d bytes=%d datagrams=%d" % (connections, received, datagrams), flush=True)
                sys.exit(0)
        elif x is s:
            c, _ = s.accept()
            connections += 1
            clients.append(c)
        elif x is d:
            datagrams += 1
            received += len(d.recv(65536))
        else:
            data = x.recv(65536)
            if data:
                received += len(data)
            else:
                clients.remove(x)
                x.close()
