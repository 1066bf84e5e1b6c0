/**
 * Report writers without dependencies: {@link dev.specula.service.report.Table} (aligned text for the
 * terminal, Markdown for reports) and {@link dev.specula.service.report.LineChart} (SVG line charts, e.g.
 * tokens/s and bytes/token against the memory budget, ours vs a naive baseline).
 */
package dev.specula.service.report;
