package io.gatewarden.cli;

import io.gatewarden.facts.RuleSettings;
import io.gatewarden.policy.ConfigMapPolicy;
import io.gatewarden.policy.EgressPolicy;
import io.gatewarden.policy.Policy;
import io.gatewarden.policy.PolicyDocument;

import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The analyze command line, parsed by hand: a handful of flags needs no framework. */
public record AnalyzeOptions(List<Path> paths, boolean json, boolean provisioning, String namespace, Instant now,
                             List<String> egressAllow, boolean denyWildcardEgress, Path policyFile, boolean help) {

    /** Where analyze looks for policy ConfigMaps among the files: the service's defaults. */
    static final String POLICY_NAMESPACE = "gatewarden";
    static final List<String> POLICY_CONFIG_MAPS = List.of("gatewarden-egress-policy", "gatewarden-policy");

    public static final String USAGE = """
            Usage: gatewarden analyze -f PATH [-f PATH...] [-o text|json] [--no-provision] [--namespace NS] [--now TIME]
                                      [--egress-allow PATTERN...] [--deny-wildcard-egress] [-p POLICY]
              -f, --filename PATH   manifest file or directory (recursive: *.yaml, *.yml, *.json); repeatable
              -o, --output FORMAT   text (default): one finding a line; json: {"diagnostics": [...], "plan": [...]}
              --no-provision        judge as a cluster without Gatewarden provisioning: missing secrets are errors
              --namespace NS        namespace of resources that name none (default: default)
              --now TIME            judge certificate validity at this instant (ISO-8601, e.g. 2030-01-01T00:00:00Z)
              --egress-allow PATTERN  an external host pattern ServiceEntries may declare (api.example.com,
                                    *.example.org); repeatable; any given turns the POL804 allow-list on. A ConfigMap
                                    gatewarden/gatewarden-egress-policy among the files adds to it
              --deny-wildcard-egress  wildcard ServiceEntry hosts are errors (EG610), not warnings
              -p, --policy FILE     the organisation policy (POL801-POL806, egress): a YAML file of policy keys, or a
                                    ConfigMap holding them (README, Multi-tenant clusters). ConfigMaps
                                    gatewarden/gatewarden-egress-policy and gatewarden/gatewarden-policy among the
                                    files add to it, as in the cluster
            Exit status: 0 no error finding, 1 at least one error finding, 2 bad usage or unreadable input.""";

    /** The rule settings these options ask for: the service's defaults unless overridden. */
    public RuleSettings settings() throws UsageException {
        Policy base = Policy.none().withEgress(new EgressPolicy(egressAllow, Map.of(), denyWildcardEgress));
        if (policyFile != null) {
            PolicyDocument doc = PolicyFile.read(policyFile);
            if (!doc.errors().isEmpty()) {
                throw new UsageException(String.join("; ", doc.errors()));
            }
            base = doc.applyTo(base);
        }
        RuleSettings s = RuleSettings.defaults().withProvisioning(provisioning)
                .withPolicy(new ConfigMapPolicy(base, POLICY_NAMESPACE, POLICY_CONFIG_MAPS));
        return now == null ? s : s.withClock(Clock.fixed(now, ZoneOffset.UTC));
    }

    public static AnalyzeOptions parse(List<String> args) throws UsageException {
        List<Path> paths = new ArrayList<>();
        boolean json = false;
        boolean provisioning = true;
        String namespace = "default";
        Instant now = null;
        List<String> egressAllow = new ArrayList<>();
        boolean denyWildcardEgress = false;
        Path policyFile = null;
        boolean help = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "-f", "--filename" -> paths.add(Path.of(value(args, ++i, a)));
                case "-o", "--output" -> {
                    String o = value(args, ++i, a);
                    if (!o.equals("text") && !o.equals("json")) {
                        throw new UsageException("-o takes text or json, not " + o);
                    }
                    json = o.equals("json");
                }
                case "--no-provision" -> provisioning = false;
                case "--namespace", "-n" -> namespace = value(args, ++i, a);
                case "--now" -> {
                    try {
                        now = Instant.parse(value(args, ++i, a));
                    } catch (java.time.format.DateTimeParseException e) {
                        throw new UsageException("--now takes an ISO-8601 instant such as 2030-01-01T00:00:00Z, not "
                                + args.get(i));
                    }
                }
                case "--egress-allow" -> egressAllow.add(value(args, ++i, a).toLowerCase(java.util.Locale.ROOT));
                case "--deny-wildcard-egress" -> denyWildcardEgress = true;
                case "-p", "--policy" -> policyFile = Path.of(value(args, ++i, a));
                case "-h", "--help" -> help = true;
                default -> throw new UsageException("unknown argument " + a);
            }
        }
        if (paths.isEmpty() && !help) {
            throw new UsageException("no input: give at least one -f PATH");
        }
        return new AnalyzeOptions(List.copyOf(paths), json, provisioning, namespace, now, List.copyOf(egressAllow),
                denyWildcardEgress, policyFile, help);
    }

    private static String value(List<String> args, int i, String flag) throws UsageException {
        if (i >= args.size()) {
            throw new UsageException(flag + " needs a value");
        }
        return args.get(i);
    }

    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }
}
