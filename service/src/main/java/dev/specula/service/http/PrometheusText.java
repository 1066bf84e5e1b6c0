package dev.specula.service.http;

/** Builds Prometheus text exposition format 0.0.4: HELP and TYPE lines, then samples. */
final class PrometheusText {
    private final StringBuilder out = new StringBuilder(2048);

    void family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    void counter(String name, String help, double value) {
        family(name, "counter", help);
        sample(name, null, null, value);
    }

    void gauge(String name, String help, double value) {
        family(name, "gauge", help);
        sample(name, null, null, value);
    }

    /** One sample, with one label when {@code label} is not null. */
    void sample(String name, String label, String labelValue, double value) {
        out.append(name);
        if (label != null) {
            out.append('{').append(label).append("=\"").append(escape(labelValue)).append("\"}");
        }
        out.append(' ').append(format(value)).append('\n');
    }

    private static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
