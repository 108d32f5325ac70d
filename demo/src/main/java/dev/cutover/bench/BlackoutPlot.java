package dev.cutover.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Blackout against database size, one line per strategy, whiskers from the fastest to the slowest run,
 * and the 3 s target dashed. Drawn with Java2D so the benchmark needs nothing but the JDK to make it.
 */
final class BlackoutPlot {

  private static final int W = 720;
  private static final int H = 420;
  private static final int LEFT = 70;
  private static final int RIGHT = 170;
  private static final int TOP = 40;
  private static final int BOTTOM = 60;
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c)};

  private BlackoutPlot() {}

  static void write(List<MoveBench.Figures> figures, Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    List<MoveBench.Figures> plotted = figures.stream().filter(f -> f.blackoutSeconds() != null).toList();
    double minMb = plotted.stream().mapToDouble(MoveBench.Figures::tableMb).min().orElse(1);
    double maxMb = plotted.stream().mapToDouble(MoveBench.Figures::tableMb).max().orElse(10);
    // A log scale, since sizes span orders of magnitude; padded half a decade either side.
    double lo = Math.floor(Math.log10(Math.max(minMb, 0.1)) - 0.5);
    double hi = Math.ceil(Math.log10(Math.max(maxMb, 1)) + 0.5);
    double maxS = Math.max(4, plotted.stream().mapToDouble(f -> f.blackoutSeconds().max()).max().orElse(4) * 1.15);
    int plotW = W - LEFT - RIGHT;
    int plotH = H - TOP - BOTTOM;

    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString("Blackout of a full move vs database size (median, min-max)", LEFT, 22);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    g.drawRect(LEFT, TOP, plotW, plotH);
    for (double e = lo; e <= hi; e++) {
      int x = LEFT + (int) ((e - lo) / (hi - lo) * plotW);
      g.setColor(new Color(0xdddddd));
      g.drawLine(x, TOP, x, TOP + plotH);
      g.setColor(Color.BLACK);
      String label = e >= 3 ? String.format(Locale.ROOT, "%.0f GB", Math.pow(10, e - 3))
          : String.format(Locale.ROOT, "%s MB", e < 0 ? String.valueOf(Math.pow(10, e)) : String.format("%.0f", Math.pow(10, e)));
      g.drawString(label, x - 15, TOP + plotH + 16);
    }
    double step = maxS > 20 ? 10 : maxS > 8 ? 2 : 1;
    for (double s = 0; s <= maxS; s += step) {
      int y = TOP + plotH - (int) (s / maxS * plotH);
      g.setColor(new Color(0xeeeeee));
      g.drawLine(LEFT, y, LEFT + plotW, y);
      g.setColor(Color.BLACK);
      g.drawString(String.format(Locale.ROOT, "%.0f s", s), LEFT - 40, y + 4);
    }
    g.drawString("table data (log scale)", LEFT + plotW / 2 - 50, H - 20);
    int target = TOP + plotH - (int) (3 / maxS * plotH);
    g.setColor(Color.GRAY);
    g.setStroke(new BasicStroke(1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
    g.drawLine(LEFT, target, LEFT + plotW, target);
    g.drawString("target 3 s", LEFT + plotW + 6, target + 4);

    List<String> strategies = plotted.stream().map(MoveBench.Figures::strategy).distinct().toList();
    for (int i = 0; i < strategies.size(); i++) {
      Color color = COLORS[i % COLORS.length];
      g.setColor(color);
      String strategy = strategies.get(i);
      List<MoveBench.Figures> line = plotted.stream().filter(f -> f.strategy().equals(strategy))
          .sorted(java.util.Comparator.comparingDouble(MoveBench.Figures::tableMb)).toList();
      int px = -1;
      int py = -1;
      for (MoveBench.Figures f : line) {
        int x = LEFT + (int) ((Math.log10(f.tableMb()) - lo) / (hi - lo) * plotW);
        int y = TOP + plotH - (int) (f.blackoutSeconds().median() / maxS * plotH);
        int yMin = TOP + plotH - (int) (f.blackoutSeconds().min() / maxS * plotH);
        int yMax = TOP + plotH - (int) (f.blackoutSeconds().max() / maxS * plotH);
        g.setStroke(new BasicStroke(1));
        g.drawLine(x, yMin, x, yMax);
        g.drawLine(x - 4, yMin, x + 4, yMin);
        g.drawLine(x - 4, yMax, x + 4, yMax);
        g.fillOval(x - 4, y - 4, 8, 8);
        if (px >= 0) {
          g.setStroke(new BasicStroke(2));
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
      g.fillRect(LEFT + plotW + 8, TOP + 10 + i * 20, 12, 12);
      g.setColor(Color.BLACK);
      g.drawString(strategy, LEFT + plotW + 26, TOP + 21 + i * 20);
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }
}
