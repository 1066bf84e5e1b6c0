package dev.specula.service.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A table of strings rendered as aligned plain text (for the terminal) or as a GitHub Markdown table
 * (for reports). Columns whose header is {@linkplain #numericColumns marked numeric} are right-aligned.
 */
public final class Table {

    private final List<String> headers;
    private final boolean[] numeric;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.headers = List.of(headers);
        this.numeric = new boolean[headers.length];
    }

    /** Right-aligns the given columns (0-based). */
    public Table numericColumns(int... columns) {
        for (int c : columns) {
            numeric[c] = true;
        }
        return this;
    }

    /** Adds a row; it must have one cell per column (null is shown as empty). */
    public Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, the table " + headers.size()
                    + " columns: " + Arrays.toString(cells));
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object cell : cells) {
            row.add(cell == null ? "" : cell.toString());
        }
        rows.add(row);
        return this;
    }

    public List<String> headers() {
        return headers;
    }

    public List<List<String>> rows() {
        return List.copyOf(rows);
    }

    /** Columns separated by two spaces, padded to the widest cell; no trailing blanks. */
    public String toText() {
        int[] width = widths();
        StringBuilder sb = new StringBuilder();
        appendText(sb, headers, width);
        for (List<String> row : rows) {
            appendText(sb, row, width);
        }
        return sb.toString();
    }

    /** A Markdown table; '|' in cells is escaped, numeric columns are right-aligned. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        appendMarkdown(sb, headers);
        sb.append('|');
        for (int c = 0; c < headers.size(); c++) {
            sb.append(numeric[c] ? " ---: |" : " --- |");
        }
        sb.append('\n');
        for (List<String> row : rows) {
            appendMarkdown(sb, row);
        }
        return sb.toString();
    }

    private int[] widths() {
        int[] width = new int[headers.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = headers.get(c).length();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        return width;
    }

    private void appendText(StringBuilder sb, List<String> cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            String pad = " ".repeat(width[c] - cell.length());
            if (c > 0) {
                line.append("  ");
            }
            line.append(numeric[c] ? pad + cell : cell + pad);
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    private static void appendMarkdown(StringBuilder sb, List<String> cells) {
        sb.append('|');
        for (String cell : cells) {
            sb.append(' ').append(cell.replace("|", "\\|").replace("\n", " ")).append(" |");
        }
        sb.append('\n');
    }
}
