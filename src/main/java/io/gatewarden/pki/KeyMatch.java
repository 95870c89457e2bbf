package io.gatewarden.pki;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/** Does a private key belong to a certificate? (Istio/Envoy refuse a tls.key that does not.) */
public final class KeyMatch {

    private static final byte[] PROBE = "gatewarden key match probe".getBytes(StandardCharsets.US_ASCII);

    private KeyMatch() {
    }

    public static boolean matches(X509Certificate cert, PrivateKey key) {
        PublicKey pub = cert.getPublicKey();
        if (pub instanceof RSAPublicKey rsaPub) {
            return key instanceof RSAPrivateKey rsaKey && rsaMatches(rsaPub, rsaKey);
        }
        if (pub instanceof ECPublicKey ecPub) {
            if (!(key instanceof ECPrivateKey ecKey)) {
                return false;
            }
            Boolean derived = ecMatchesByDerivation(ecPub, ecKey);
            return derived != null ? derived : signVerify(pub, key, "SHA256withECDSA");
        }
        // Other algorithms (Ed25519, Ed448, DSA): prove possession by signing and verifying.
        String alg = switch (pub.getAlgorithm()) {
            case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        return alg != null && pub.getAlgorithm().equals(key.getAlgorithm()) && signVerify(pub, key, alg);
    }

    // The modulus identifies an RSA key pair; the exponent is checked too when the key carries it.
    private static boolean rsaMatches(RSAPublicKey pub, RSAPrivateKey key) {
        if (!pub.getModulus().equals(key.getModulus())) {
            return false;
        }
        return !(key instanceof RSAPrivateCrtKey crt) || pub.getPublicExponent().equals(crt.getPublicExponent());
    }

    /**
     * Computes Q = d·G on the key's curve and compares it with the certificate's point. Returns
     * null when the curve is not a prime-field curve (then the caller falls back to signing).
     */
    private static Boolean ecMatchesByDerivation(ECPublicKey pub, ECPrivateKey key) {
        ECParameterSpec ks = key.getParams();
        ECParameterSpec ps = pub.getParams();
        if (!ks.getCurve().equals(ps.getCurve()) || !ks.getGenerator().equals(ps.getGenerator())
                || !ks.getOrder().equals(ps.getOrder())) {
            return false; // different curves: cannot be the same key pair
        }
        if (!(ks.getCurve().getField() instanceof ECFieldFp field)) {
            return null;
        }
        ECPoint g = namedGenerator(ks, field);
        if (g == null) {
            ECCurve curve = new ECCurve.Fp(field.getP(), ks.getCurve().getA(), ks.getCurve().getB(),
                    ks.getOrder(), BigInteger.valueOf(ks.getCofactor()));
            g = curve.createPoint(ks.getGenerator().getAffineX(), ks.getGenerator().getAffineY());
        }
        ECPoint q = new FixedPointCombMultiplier().multiply(g, key.getS()).normalize();
        return !q.isInfinity()
                && q.getAffineXCoord().toBigInteger().equals(pub.getW().getAffineX())
                && q.getAffineYCoord().toBigInteger().equals(pub.getW().getAffineY());
    }

    /**
     * The generator on BouncyCastle's optimised implementation of a well-known curve, or null.
     * A generic curve built per call costs ~3 ms (its precomputation is rebuilt each time);
     * the named curves' shared precomputation makes the same check ~0.1 ms.
     */
    private static ECPoint namedGenerator(ECParameterSpec ks, ECFieldFp field) {
        for (X9ECParameters named : NAMED) {
            if (named.getCurve().getField().getCharacteristic().equals(field.getP())
                    && named.getN().equals(ks.getOrder())
                    && named.getG().getAffineXCoord().toBigInteger().equals(ks.getGenerator().getAffineX())
                    && named.getG().getAffineYCoord().toBigInteger().equals(ks.getGenerator().getAffineY())
                    && named.getCurve().getA().toBigInteger().equals(ks.getCurve().getA())
                    && named.getCurve().getB().toBigInteger().equals(ks.getCurve().getB())) {
                return named.getG();
            }
        }
        return null;
    }

    private static final java.util.List<X9ECParameters> NAMED = java.util.stream.Stream
            .of("secp256r1", "secp384r1", "secp521r1")
            .map(org.bouncycastle.crypto.ec.CustomNamedCurves::getByName)
            .filter(java.util.Objects::nonNull).toList();

    private static boolean signVerify(PublicKey pub, PrivateKey key, String algorithm) {
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(pub);
            verifier.update(PROBE);
            return verifier.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
