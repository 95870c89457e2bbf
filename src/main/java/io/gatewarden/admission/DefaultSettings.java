package io.gatewarden.admission;

import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.model.TlsVersion;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which defaults the mutating webhook applies (MUT901–MUT907), as plain values.
 *
 * @param tlsMode              MUT901: {@code tls.mode: SIMPLE} where a certificate is given without a mode
 * @param credentialName       MUT902: assign a credentialName (which the certificate manager provisions);
 *                             only meaningful with provisioning on, see {@link #from(GatewardenConfig)}
 * @param minProtocolVersion   MUT903: the floor (TLSV1_0..TLSV1_3), or null when that default is off
 * @param portNames            MUT904
 * @param lowercaseHosts       MUT905
 * @param destinationRuleSni   MUT906
 * @param annotation           MUT907
 */
public record DefaultSettings(boolean tlsMode, boolean credentialName, TlsVersion minProtocolVersion, boolean portNames,
                              boolean lowercaseHosts, boolean destinationRuleSni, boolean annotation) {

    public static final TlsVersion DEFAULT_FLOOR = TlsVersion.MODERN;

    public DefaultSettings {
        if (minProtocolVersion != null && !minProtocolVersion.concrete()) {
            throw new IllegalArgumentException("gatewarden.defaults.min-protocol-version is " + minProtocolVersion
                    + ": use a concrete version, or off");
        }
    }

    /** Every default on, floor TLSV1_2: what the service does out of the box. */
    public static DefaultSettings defaults() {
        return new DefaultSettings(true, true, DEFAULT_FLOOR, true, true, true, true);
    }

    /** Every default off: the webhook then never patches. */
    public static DefaultSettings none() {
        return new DefaultSettings(false, false, null, false, false, false, false);
    }

    /**
     * From the configuration. Credential names are assigned only when the certificate manager
     * provisions them ({@code gatewarden.certificates.provision}): a name nobody creates would
     * only trade one error for another.
     */
    public static DefaultSettings from(GatewardenConfig config) {
        GatewardenConfig.Defaults d = config.defaults();
        return new DefaultSettings(d.tlsMode(), d.credentialName() && config.certificates().provision(),
                floor(d.minProtocolVersion()), d.portNames(), d.lowercaseHosts(), d.destinationRuleSni(),
                d.annotation());
    }

    /** {@code off} (or empty) disables; versions are read ignoring case. */
    static TlsVersion floor(String value) {
        String v = value == null ? "" : value.strip().toUpperCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("OFF") || v.equals("FALSE")) {
            return null;
        }
        TlsVersion version = TlsVersion.parse(v);
        if (version == null || !version.concrete()) {
            throw new IllegalArgumentException("gatewarden.defaults.min-protocol-version is \"" + value
                    + "\": use one of " + String.join(", ", Arrays.stream(TlsVersion.values())
                    .filter(TlsVersion::concrete).map(TlsVersion::name).toList()) + ", or off");
        }
        return version;
    }

    public DefaultSettings withTlsMode(boolean on) {
        return new DefaultSettings(on, credentialName, minProtocolVersion, portNames, lowercaseHosts, destinationRuleSni, annotation);
    }

    public DefaultSettings withCredentialName(boolean on) {
        return new DefaultSettings(tlsMode, on, minProtocolVersion, portNames, lowercaseHosts, destinationRuleSni, annotation);
    }

    public DefaultSettings withMinProtocolVersion(String floor) {
        return new DefaultSettings(tlsMode, credentialName, floor(floor), portNames, lowercaseHosts, destinationRuleSni, annotation);
    }

    public DefaultSettings withPortNames(boolean on) {
        return new DefaultSettings(tlsMode, credentialName, minProtocolVersion, on, lowercaseHosts, destinationRuleSni, annotation);
    }

    public DefaultSettings withLowercaseHosts(boolean on) {
        return new DefaultSettings(tlsMode, credentialName, minProtocolVersion, portNames, on, destinationRuleSni, annotation);
    }

    public DefaultSettings withDestinationRuleSni(boolean on) {
        return new DefaultSettings(tlsMode, credentialName, minProtocolVersion, portNames, lowercaseHosts, on, annotation);
    }

    public DefaultSettings withAnnotation(boolean on) {
        return new DefaultSettings(tlsMode, credentialName, minProtocolVersion, portNames, lowercaseHosts, destinationRuleSni, on);
    }
}
