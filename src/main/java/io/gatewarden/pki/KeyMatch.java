package io.gatewarden.pki;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * Does a private key belong to a certificate? (Istio/Envoy refuse a tls.key that does not.)
 *
 * <p>The public key is always derived from the private key itself, never read from it: a PKCS#8 or
 * SEC1 key may carry its public point, but Envoy (BoringSSL's {@code EC_KEY_check_key}) refuses a key
 * whose stored point disagrees with its scalar, so trusting that point would pass exactly the broken
 * tls.key this check exists to catch. (Gatewarden's own keys do not carry it anyway.)
 */
public final class KeyMatch {

    private static final byte[] PROBE = "gatewarden key match probe".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Up to this many pairs on a curve are derived one by one: below it a batch costs more than it saves. */
    private static final int SMALL = 16;

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

    /**
     * {@link #matches} for many pairs: element i says whether {@code keys.get(i)} belongs to
     * {@code certs.get(i)}. EC pairs on a named curve are tested in batches (see {@link #batchHolds}):
     * a batch of n pairs costs one scalar multiplication plus about 10 point additions per pair,
     * where deriving each public key costs one multiplication per pair (~90 µs for P-256). A batch
     * that fails is split in halves until the pairs that do not match are found, so the answer per
     * pair is the one {@link #matches} gives.
     */
    public static boolean[] matchAll(List<X509Certificate> certs, List<? extends PrivateKey> keys) {
        if (certs.size() != keys.size()) {
            throw new IllegalArgumentException(certs.size() + " certificates but " + keys.size() + " keys");
        }
        boolean[] out = new boolean[certs.size()];
        PublicKey[] pubs = new PublicKey[out.length]; // read once: each getPublicKey() is a lookup by name
        Map<NamedCurve, List<Integer>> batches = new IdentityHashMap<>();
        for (int i = 0; i < out.length; i++) {
            pubs[i] = certs.get(i).getPublicKey();
            NamedCurve curve = batchCurve(pubs[i], keys.get(i));
            if (curve == null) {
                out[i] = matches(certs.get(i), keys.get(i));
            } else {
                batches.computeIfAbsent(curve, c -> new ArrayList<>()).add(i);
            }
        }
        batches.forEach((curve, pairs) -> settle(curve, pairs, certs, pubs, keys, out));
        return out;
    }

    /**
     * The named curve both keys are on when the pair can join a batch, else null. The scalar must be
     * in [1, n): a batch works modulo the group order, so it would accept d + n, which
     * {@link #matches} (like the TLS stacks) refuses; such keys and every other case take {@link #matches}.
     */
    private static NamedCurve batchCurve(PublicKey certKey, PrivateKey key) {
        if (!(certKey instanceof ECPublicKey pub) || !(key instanceof ECPrivateKey ecKey)) {
            return null;
        }
        NamedCurve curve = NamedCurve.of(ecKey.getParams());
        BigInteger d = ecKey.getS();
        return curve != null && curve == NamedCurve.of(pub.getParams())
                && d.signum() > 0 && d.compareTo(curve.n()) < 0 ? curve : null;
    }

    /** Marks the pairs that match: one batch for all; when it fails, each half again, down to single pairs. */
    private static void settle(NamedCurve curve, List<Integer> pairs, List<X509Certificate> certs, PublicKey[] pubs,
                               List<? extends PrivateKey> keys, boolean[] out) {
        if (pairs.size() <= SMALL) {
            for (int i : pairs) {
                out[i] = matches(certs.get(i), keys.get(i));
            }
        } else if (batchHolds(curve, pairs, pubs, keys)) {
            for (int i : pairs) {
                out[i] = true;
            }
        } else {
            int half = pairs.size() / 2;
            settle(curve, pairs.subList(0, half), certs, pubs, keys, out);
            settle(curve, pairs.subList(half, pairs.size()), certs, pubs, keys, out);
        }
    }

    /**
     * The small-exponent batch test (Bellare, Garay, Rabin 1998): with fresh random odd 64-bit r_i,
     * every d_i·G = Q_i is accepted when (Σ r_i·d_i mod n)·G = Σ r_i·Q_i. Sound: write
     * E_i = d_i·G − Q_i. The Q_i are checked to be on the curve, whose group has prime order n, so
     * each E_i = e_i·G. The test passes iff Σ r_i·e_i ≡ 0 (mod n). A single mismatch (e_j ≠ 0,
     * r_j < n) never passes; with several, for any choice of the other r_i at most one value of r_j
     * passes, so the chance is at most 2^-63 per batch, whoever chose the keys (the r_i are drawn
     * after the keys are fixed and never leave this method). Keys swapped between two Secrets, which
     * a plain sum (all r_i = 1) would miss, are caught like any other mismatch.
     *
     * <p>The secret scalars enter only the sum and the one constant-time comb multiplication, as in
     * {@link #matches}; the multi-scalar sum works on public points and the random r_i.
     */
    private static boolean batchHolds(NamedCurve curve, List<Integer> pairs, PublicKey[] pubs,
                                      List<? extends PrivateKey> keys) {
        ECCurve c = curve.params().getCurve();
        ECPoint[] points = new ECPoint[pairs.size()];
        long[] r = randomOdd(pairs.size());
        BigInteger sum = BigInteger.ZERO;
        for (int j = 0; j < points.length; j++) {
            int i = pairs.get(j);
            java.security.spec.ECPoint w = ((ECPublicKey) pubs[i]).getW();
            try {
                points[j] = c.createPoint(w.getAffineX(), w.getAffineY());
            } catch (IllegalArgumentException e) {
                return false; // coordinates outside the field: not a curve point
            }
            if (!onCurve(c, points[j])) {
                return false;
            }
            sum = sum.add(unsigned(r[j]).multiply(((ECPrivateKey) keys.get(i)).getS()));
        }
        ECPoint left = new FixedPointCombMultiplier().multiply(curve.params().getG(), sum.mod(curve.n()));
        return left.equals(sumOfMultiples(c, points, r));
    }

    /**
     * Σ r_i·P_i for 64-bit r_i by the bucket method: per window of {@code width} bits, each point is
     * added once into the bucket of its digit, then the buckets are summed with their weights.
     */
    private static ECPoint sumOfMultiples(ECCurve curve, ECPoint[] points, long[] r) {
        int width = bucketWidth(points.length);
        int windows = (Long.SIZE + width - 1) / width;
        long mask = (1L << width) - 1;
        ECPoint total = curve.getInfinity();
        for (int w = windows - 1; w >= 0; w--) {
            for (int k = 0; k < width; k++) {
                total = total.twice();
            }
            ECPoint[] buckets = new ECPoint[(int) mask + 1];
            for (int j = 0; j < points.length; j++) {
                int digit = (int) ((r[j] >>> (w * width)) & mask);
                if (digit != 0) {
                    buckets[digit] = buckets[digit] == null ? points[j] : buckets[digit].add(points[j]);
                }
            }
            // Σ digit·bucket[digit] as a running sum: bucket[k] is added k times.
            ECPoint running = curve.getInfinity();
            ECPoint window = curve.getInfinity();
            for (int digit = buckets.length - 1; digit > 0; digit--) {
                if (buckets[digit] != null) {
                    running = running.add(buckets[digit]);
                }
                window = window.add(running);
            }
            total = total.add(window);
        }
        return total;
    }

    /** The window width with the fewest additions: windows × (one per point + two per bucket). */
    private static int bucketWidth(int points) {
        int best = 1;
        long bestCost = Long.MAX_VALUE;
        for (int width = 1; width <= 12; width++) {
            long cost = (long) ((Long.SIZE + width - 1) / width) * (points + (2L << width));
            if (cost < bestCost) {
                best = width;
                bestCost = cost;
            }
        }
        return best;
    }

    /**
     * y² = x³ + ax + b for an affine point: on these curves (cofactor 1) every such point is in the
     * group of order n. (ECPoint.isValid() says the same but keeps its answer in a new Hashtable per point.)
     */
    private static boolean onCurve(ECCurve curve, ECPoint p) {
        org.bouncycastle.math.ec.ECFieldElement x = p.getAffineXCoord();
        return p.getAffineYCoord().square().equals(x.square().add(curve.getA()).multiply(x).add(curve.getB()));
    }

    /** Random odd 64-bit numbers, from one SecureRandom call (a call per number cost more than the rest). */
    private static long[] randomOdd(int n) {
        byte[] bytes = new byte[n * Long.BYTES];
        RANDOM.nextBytes(bytes);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
        long[] r = new long[n];
        for (int i = 0; i < n; i++) {
            r[i] = buffer.getLong() | 1L;
        }
        return r;
    }

    private static BigInteger unsigned(long v) {
        BigInteger b = BigInteger.valueOf(v);
        return v >= 0 ? b : b.add(BigInteger.ONE.shiftLeft(Long.SIZE));
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
        if (key.getS().signum() <= 0 || key.getS().compareTo(ks.getOrder()) >= 0) {
            return false; // not a private key: TLS stacks (BoringSSL) refuse a scalar outside [1, n)
        }
        NamedCurve named = NamedCurve.of(ks);
        ECPoint g = named == null ? null : named.params().getG();
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
     * A well-known curve on BouncyCastle's optimised implementation, with its parameters as the
     * JDK spells them so that a key's {@link ECParameterSpec} is recognised by comparing numbers.
     * A generic curve built per call costs ~3 ms (its precomputation is rebuilt each time); the
     * named curves' shared precomputation makes d·G ~0.1 ms.
     */
    private record NamedCurve(X9ECParameters params, BigInteger p, BigInteger a, BigInteger b, BigInteger gx,
                              BigInteger gy, BigInteger n) {

        private static final List<NamedCurve> ALL = java.util.stream.Stream.of("secp256r1", "secp384r1", "secp521r1")
                .map(org.bouncycastle.crypto.ec.CustomNamedCurves::getByName)
                .filter(java.util.Objects::nonNull)
                .map(x -> new NamedCurve(x, x.getCurve().getField().getCharacteristic(),
                        x.getCurve().getA().toBigInteger(), x.getCurve().getB().toBigInteger(),
                        x.getG().getAffineXCoord().toBigInteger(), x.getG().getAffineYCoord().toBigInteger(), x.getN()))
                .toList();

        /** The named curve these parameters describe, or null. */
        static NamedCurve of(ECParameterSpec spec) {
            if (!(spec.getCurve().getField() instanceof ECFieldFp field)) {
                return null;
            }
            for (NamedCurve c : ALL) {
                if (c.p.equals(field.getP()) && c.n.equals(spec.getOrder())
                        && c.gx.equals(spec.getGenerator().getAffineX()) && c.gy.equals(spec.getGenerator().getAffineY())
                        && c.a.equals(spec.getCurve().getA()) && c.b.equals(spec.getCurve().getB())) {
                    return c;
                }
            }
            return null;
        }
    }

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
