package io.gatewarden.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The key types Gatewarden generates. Keys come from the JDK's providers (the JDK's EC code has
 * intrinsics, BouncyCastle's does not); certificates are then built with BouncyCastle.
 * ECDSA P-256 is the default: small, fast and accepted by every TLS stack Istio talks to.
 * RSA key generation costs ~100 ms or more, so keep it off any request path.
 */
public enum KeyAlgorithm {
    EC_P256("ecdsa-p256", "EC", new ECGenParameterSpec("secp256r1"), "SHA256withECDSA"),
    EC_P384("ecdsa-p384", "EC", new ECGenParameterSpec("secp384r1"), "SHA384withECDSA"),
    RSA_2048("rsa-2048", "RSA", new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4), "SHA256withRSA"),
    RSA_3072("rsa-3072", "RSA", new RSAKeyGenParameterSpec(3072, RSAKeyGenParameterSpec.F4), "SHA256withRSA"),
    RSA_4096("rsa-4096", "RSA", new RSAKeyGenParameterSpec(4096, RSAKeyGenParameterSpec.F4), "SHA256withRSA");

    /** The algorithm used when none is configured. */
    public static final KeyAlgorithm DEFAULT = EC_P256;

    private final String label;
    private final String jcaName;
    private final AlgorithmParameterSpec spec;
    private final String signatureAlgorithm;

    KeyAlgorithm(String label, String jcaName, AlgorithmParameterSpec spec, String signatureAlgorithm) {
        this.label = label;
        this.jcaName = jcaName;
        this.spec = spec;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /**
     * Reads a configured value: "ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072" or "rsa-4096",
     * ignoring case and surrounding blanks.
     *
     * @throws IllegalArgumentException naming the accepted values when the value is none of them
     */
    public static KeyAlgorithm parse(String value) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        for (KeyAlgorithm a : values()) {
            if (a.label.equals(v)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown key algorithm \"" + value + "\"; accepted values: "
                + Arrays.stream(values()).map(KeyAlgorithm::label).collect(Collectors.joining(", ")));
    }

    /** The configuration spelling, e.g. "ecdsa-p256". */
    public String label() {
        return label;
    }

    /** True for the RSA sizes (whose leaf certificates also get keyEncipherment). */
    public boolean isRsa() {
        return "RSA".equals(jcaName);
    }

    /** A fresh key pair from the JDK's default provider. Thread-safe: a new generator per call. */
    public KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(jcaName);
            generator.initialize(spec);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate " + label + " keys", e);
        }
    }

    /** The JCA name of the signature a key of this kind makes, e.g. "SHA256withECDSA". */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }
}
