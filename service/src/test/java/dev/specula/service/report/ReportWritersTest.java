package dev.specula.service.report;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportWritersTest {

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }

    private static List<Element> elements(Document d, String tag) {
        NodeList nodes = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    @Test
    void svgIsWellFormedAndHoldsEverySeries() throws Exception {
        double[] budgets = {256, 512, 1024, 2048};
        LineChart chart = new LineChart("tok/s vs budget <stories & co>", "memory budget (MiB)", "tokens/s", true)
                .add(new LineChart.Series("ours", budgets, new double[] {3.5, 7, 12, 20}))
                .add(new LineChart.Series("naive \"mmap\"", new double[] {2048, 256, 1024, 512},
                        new double[] {20, 1, 5, 2}, true));
        Document d = parse(chart.toSvg());
        assertEquals("svg", d.getDocumentElement().getLocalName());
        List<Element> lines = elements(d, "polyline");
        assertEquals(2, lines.size());
        assertEquals("ours", lines.get(0).getAttribute("data-series"));
        assertEquals("naive \"mmap\"", lines.get(1).getAttribute("data-series"));
        assertTrue(lines.get(1).hasAttribute("stroke-dasharray"));
        // points are drawn in x order, so x coordinates increase along each line
        for (Element line : lines) {
            String[] pts = line.getAttribute("points").split(" ");
            assertEquals(4, pts.length);
            for (int i = 1; i < pts.length; i++) {
                assertTrue(Double.parseDouble(pts[i].split(",")[0]) > Double.parseDouble(pts[i - 1].split(",")[0]));
            }
        }
        // log x: equal ratios are equal distances
        String[] ours = lines.get(0).getAttribute("points").split(" ");
        double x0 = Double.parseDouble(ours[0].split(",")[0]);
        double x1 = Double.parseDouble(ours[1].split(",")[0]);
        double x2 = Double.parseDouble(ours[2].split(",")[0]);
        assertEquals(x1 - x0, x2 - x1, 0.2);
        List<String> legend = elements(d, "text").stream().filter(e -> "legend".equals(e.getAttribute("class")))
                .map(Element::getTextContent).toList();
        assertEquals(List.of("ours", "naive \"mmap\""), legend);
        assertTrue(elements(d, "title").getFirst().getTextContent().contains("<stories & co>"));
        assertEquals(8, elements(d, "circle").size());
    }

    @Test
    void badSeriesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new LineChart.Series("x", new double[] {1}, new double[] {}));
        assertThrows(IllegalArgumentException.class,
                () -> new LineChart.Series("x", new double[] {1}, new double[] {Double.NaN}));
        LineChart log = new LineChart("t", "x", "y", true);
        assertThrows(IllegalArgumentException.class,
                () -> log.add(new LineChart.Series("x", new double[] {0}, new double[] {1})));
        assertThrows(IllegalStateException.class, log::toSvg);
    }

    @Test
    void niceTicksCoverTheMaximumWithRoundSteps() {
        assertArrayEquals(new double[] {0, 5, 10, 15, 20}, LineChart.niceTicks(20));
        assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2, 2.5}, LineChart.niceTicks(2.3), 1e-12);
        assertArrayEquals(new double[] {0, 200, 400, 600, 800}, LineChart.niceTicks(730));
    }

    @Test
    void tablesRenderAsAlignedTextAndMarkdown() {
        Table t = new Table("kernel", "GB/s").numericColumns(1).row("matvec q8_0", "12.5").row("a|b", "3");
        assertEquals("""
                kernel       GB/s
                matvec q8_0  12.5
                a|b             3
                """, t.toText());
        assertEquals("""
                | kernel | GB/s |
                | --- | ---: |
                | matvec q8_0 | 12.5 |
                | a\\|b | 3 |
                """, t.toMarkdown());
        assertThrows(IllegalArgumentException.class, () -> t.row("only one"));
    }
}
