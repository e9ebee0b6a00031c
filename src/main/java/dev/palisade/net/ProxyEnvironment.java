package dev.palisade.net;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment that points common tools at the proxies: the de-facto {@code *_proxy}
 * variables (curl, git, pip, wget, Python requests, Go, cargo read them, some only in lower
 * case, some only in upper case), plus npm/yarn's own settings, Node's opt-in, and Java's
 * networking properties (which ignore the environment).
 */
final class ProxyEnvironment {
    private ProxyEnvironment() {
    }

    /**
     * The variables for proxies at the given host:port pairs.
     *
     * @param http the HTTP proxy, e.g. {@code 127.0.0.1:3128}
     * @param httpPort its port
     * @param socks the SOCKS5 proxy, e.g. {@code 127.0.0.1:1080}
     * @return the variables, in a stable order
     */
    static Map<String, String> of(String http, int httpPort, String socks) {
        String httpUrl = "http://" + http;
        String socksUrl = "socks5h://" + socks; // h: the proxy resolves names, the sandbox has no DNS
        String noProxy = "localhost,127.0.0.1";
        Map<String, String> env = new LinkedHashMap<>();
        for (String name : new String[] {"http_proxy", "https_proxy"}) {
            env.put(name, httpUrl);
            env.put(name.toUpperCase(java.util.Locale.ROOT), httpUrl);
        }
        env.put("all_proxy", socksUrl);
        env.put("ALL_PROXY", socksUrl);
        env.put("no_proxy", noProxy);
        env.put("NO_PROXY", noProxy);
        env.put("npm_config_proxy", httpUrl);
        env.put("npm_config_https_proxy", httpUrl);
        env.put("npm_config_noproxy", noProxy);
        env.put("YARN_HTTP_PROXY", httpUrl);
        env.put("YARN_HTTPS_PROXY", httpUrl);
        env.put("NODE_USE_ENV_PROXY", "1");
        env.put("PIP_PROXY", httpUrl);
        env.put("RSYNC_PROXY", http);
        String host = http.substring(0, http.lastIndexOf(':'));
        env.put("JAVA_TOOL_OPTIONS", "-Dhttp.proxyHost=" + host + " -Dhttp.proxyPort=" + httpPort
                + " -Dhttps.proxyHost=" + host + " -Dhttps.proxyPort=" + httpPort
                + " -Dhttp.nonProxyHosts=localhost|127.0.0.1 -Djava.net.useSystemProxies=false");
        return env;
    }
}
