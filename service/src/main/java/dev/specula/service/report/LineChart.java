package dev.specula.service.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A self-contained SVG line chart of one or more series against a shared x axis (for example tokens/s
 * against memory budget, ours vs naive). No dependencies: the SVG is written as text. The x axis may be
 * logarithmic (budgets and context lengths usually double); the y axis is linear and starts at zero.
 */
public final class LineChart {

    static final int WIDTH = 720;
    static final int HEIGHT = 420;
    static final int LEFT = 80;
    static final int RIGHT = 180;
    static final int TOP = 40;
    static final int BOTTOM = 60;
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

    /** One line: points {@code (x[i], y[i])} joined in x order; {@code dashed} for baselines. */
    public record Series(String name, double[] x, double[] y, boolean dashed) {
        public Series {
            Objects.requireNonNull(name, "name");
            if (x.length != y.length || x.length == 0) {
                throw new IllegalArgumentException("series '" + name + "' needs as many x as y values, at least one");
            }
            for (int i = 0; i < x.length; i++) {
                if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                    throw new IllegalArgumentException("series '" + name + "' has a non-finite point at index " + i);
                }
            }
            x = x.clone();
            y = y.clone();
        }

        public Series(String name, double[] x, double[] y) {
            this(name, x, y, false);
        }
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logX;
    private final List<Series> series = new ArrayList<>();

    public LineChart(String title, String xLabel, String yLabel, boolean logX) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logX = logX;
    }

    public LineChart add(Series s) {
        if (logX) {
            for (double v : s.x()) {
                if (v <= 0) {
                    throw new IllegalArgumentException("series '" + s.name() + "': a logarithmic x axis needs x > 0");
                }
            }
        }
        series.add(s);
        return this;
    }

    public String toSvg() {
        if (series.isEmpty()) {
            throw new IllegalStateException("chart '" + title + "' has no series");
        }
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMax = 0;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                xMin = Math.min(xMin, s.x()[i]);
                xMax = Math.max(xMax, s.x()[i]);
                yMax = Math.max(yMax, s.y()[i]);
            }
        }
        double[] yTicks = niceTicks(yMax <= 0 ? 1 : yMax);
        double yTop = yTicks[yTicks.length - 1];
        Axis x = new Axis(xMin, xMax, logX);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append("<title>").append(escape(title)).append("</title>\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        text(svg, WIDTH / 2.0, 24, "middle", "font-size=\"15\"", title);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        for (double t : yTicks) {
            double py = TOP + plotH * (1 - t / yTop);
            line(svg, LEFT, py, LEFT + plotW, py, "#dddddd");
            text(svg, LEFT - 6, py + 4, "end", "", number(t));
        }
        for (double t : x.ticks(series)) {
            double px = LEFT + plotW * x.fraction(t);
            line(svg, px, TOP, px, TOP + plotH, "#eeeeee");
            text(svg, px, TOP + plotH + 18, "middle", "", number(t));
        }
        line(svg, LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "black");
        line(svg, LEFT, TOP, LEFT, TOP + plotH, "black");
        text(svg, LEFT + plotW / 2.0, HEIGHT - 16, "middle", "", xLabel + (logX ? " (log scale)" : ""));
        svg.append(String.format(Locale.ROOT, "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 18 %.1f)\">%s</text>%n", TOP + plotH / 2.0, TOP + plotH / 2.0, escape(yLabel)));
        for (int s = 0; s < series.size(); s++) {
            Series ser = series.get(s);
            String color = COLORS[s % COLORS.length];
            Integer[] order = new Integer[ser.x().length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(ser.x()[a], ser.x()[b]));
            StringBuilder points = new StringBuilder();
            StringBuilder marks = new StringBuilder();
            for (int i : order) {
                double px = LEFT + plotW * x.fraction(ser.x()[i]);
                double py = TOP + plotH * (1 - ser.y()[i] / yTop);
                points.append(String.format(Locale.ROOT, "%s%.1f,%.1f", points.isEmpty() ? "" : " ", px, py));
                marks.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">"
                        + "<title>%s: %s, %s</title></circle>%n", px, py, color, escape(ser.name()),
                        number(ser.x()[i]), number(ser.y()[i])));
            }
            svg.append(String.format(Locale.ROOT, "<polyline class=\"series\" data-series=\"%s\" fill=\"none\" "
                            + "stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>%n", escape(ser.name()), color,
                    ser.dashed() ? " stroke-dasharray=\"6 4\"" : "", points));
            svg.append(marks);
            double ly = TOP + 14 + 20 * s;
            double lx = WIDTH - RIGHT + 16;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/>%n", lx, ly - 4, lx + 24, ly - 4, color,
                    ser.dashed() ? " stroke-dasharray=\"6 4\"" : ""));
            text(svg, lx + 30, ly, "start", "class=\"legend\"", ser.name());
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** Maps data x to a fraction of the plot width, linearly or in log space. */
    private record Axis(double min, double max, boolean log) {
        double fraction(double v) {
            if (max == min) {
                return 0.5;
            }
            return log ? Math.log(v / min) / Math.log(max / min) : (v - min) / (max - min);
        }

        /** The data's own x values when there are few (budgets, lengths), else evenly spaced values. */
        double[] ticks(List<Series> series) {
            TreeSet<Double> distinct = new TreeSet<>();
            for (Series s : series) {
                for (double v : s.x()) {
                    distinct.add(v);
                }
            }
            if (distinct.size() <= 10) {
                return distinct.stream().mapToDouble(Double::doubleValue).toArray();
            }
            double[] t = new double[6];
            for (int i = 0; i < t.length; i++) {
                double f = i / (t.length - 1.0);
                t[i] = log ? min * Math.pow(max / min, f) : min + (max - min) * f;
            }
            return t;
        }
    }

    /** 0 and round steps (1, 2 or 5 times a power of ten) up to at least {@code max}. */
    static double[] niceTicks(double max) {
        double raw = max / 5;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = magnitude;
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * magnitude >= raw) {
                step = m * magnitude;
                break;
            }
        }
        int n = (int) Math.ceil(max / step - 1e-9);
        double[] ticks = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            ticks[i] = i * step;
        }
        return ticks;
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 1 ? "%.2f" : "%.3g", v);
    }

    private static void line(StringBuilder svg, double x1, double y1, double x2, double y2, String color) {
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x1, y1, x2, y2, color));
    }

    private static void text(StringBuilder svg, double x, double y, String anchor, String extra, String content) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>%n",
                x, y, anchor, extra.isEmpty() ? "" : " " + extra, escape(content)));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
