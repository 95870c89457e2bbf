package io.gatewarden.demands;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The names Gatewarden gives the Secrets it assigns to servers and listeners that have none: the
 * mutating webhook writes them, the rules suggest them in their fixes.
 */
public final class AssignedName {
    /** Longest Kubernetes object name (DNS-1123 subdomain). */
    static final int MAX_NAME = 253;

    private AssignedName() {
    }

    /**
     * The name of a Secret Gatewarden assigns (MUT902, MUT908): {@code <namespace>-<gateway>-<port>-tls},
     * where port is a server's port name, else its number (a listener's name), each part lower-cased. When a part had to be changed beyond lower-casing (a character outside
     * {@code [a-z0-9]} runs replaced by {@code -}) or the name would exceed 253 characters, the
     * readable part is cut to fit and {@code -<8 hex of SHA-256(namespace/gateway/port)>} is put
     * before {@code -tls}, so distinct servers (listeners) never share a name. Same input, same name: a
     * DNS-1123 subdomain, valid as a Secret name.
     */
    public static String of(String namespace, String gateway, String port) {
        List<String> parts = List.of(namespace, gateway, port);
        List<String> slugs = new ArrayList<>();
        boolean exact = true;
        for (String p : parts) {
            String slug = slug(p);
            exact &= slug.equals(p.toLowerCase(Locale.ROOT)) && !slug.isEmpty();
            if (!slug.isEmpty()) {
                slugs.add(slug);
            }
        }
        String readable = String.join("-", slugs);
        String plain = readable + "-tls";
        if (exact && plain.length() <= MAX_NAME) {
            return plain;
        }
        String suffix = "-" + shortHash(namespace + "/" + gateway + "/" + port) + "-tls";
        String base = readable.length() > MAX_NAME - suffix.length()
                ? trimDashes(readable.substring(0, MAX_NAME - suffix.length())) : readable;
        return base.isEmpty() ? suffix.substring(1) : base + suffix;
    }

    private static String slug(String s) {
        return trimDashes(s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-"));
    }

    private static String trimDashes(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && s.charAt(a) == '-') {
            a++;
        }
        while (b > a && s.charAt(b - 1) == '-') {
            b--;
        }
        return s.substring(a, b);
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
