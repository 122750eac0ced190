using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Solver.Inference.Rendering;

/// <summary>How an equation is drawn: glyph height in pixels, pen width, and how much the hand wobbles.</summary>
public sealed record RenderStyle(int Height = 72, double PenWidth = 3.5, double Jitter = 0.03, double Slant = 0.08, double Spacing = 0.28, int Margin = 30);

/// <summary>
/// Draws an equation as handwriting-like strokes: each glyph's points jittered, slanted, scaled and spaced with a
/// little randomness, lines antialiased by their distance to the pen's path. Text: digits, x y z u v w, + - = ( ) /,
/// '*' for ×, ':' for ÷, and '^' before a character (or ^{...}) for an exponent.
/// </summary>
public static class StrokeRenderer
{
    /// <summary>The pen strokes of <paramref name="text"/> in pixel coordinates, and the canvas they need.</summary>
    public sealed record Layout(IReadOnlyList<((double X, double Y)[] Points, double Pen)> Strokes, int Width, int Height);

    public static Image<L8> Render(string text, RenderStyle style, int seed)
    {
        var (placed, width, height) = Place(text, style, seed);
        var ink = new float[width * height];
        foreach (var (pts, pen) in placed)
            for (int k = 0; k + 1 < pts.Length; k++) Segment(ink, width, height, pts[k], pts[k + 1], pen / 2);
        var img = new Image<L8>(width, height);
        for (int yy = 0; yy < height; yy++)
        for (int xx = 0; xx < width; xx++) img[xx, yy] = new L8((byte)(255 - Math.Round(255 * Math.Min(1, ink[yy * width + xx]))));
        return img;
    }

    public static Layout Place(string text, RenderStyle style, int seed)
    {
        var rng = new Random(seed);
        var placed = new List<((double X, double Y)[] Points, double Pen)>();
        double x = style.Margin, h = style.Height, top = style.Margin + 0.4 * h;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (ch == ' ') { x += 0.3 * h; continue; }
            bool sup = false;
            string run = ch.ToString();
            if (ch == '^')
            {
                sup = true;
                if (i + 1 < text.Length && text[i + 1] == '{')
                {
                    int close = text.IndexOf('}', i + 2);
                    if (close < 0) throw new ArgumentException("'^{' without '}'");
                    run = text[(i + 2)..close];
                    i = close;
                }
                else if (i + 1 < text.Length) { run = text[i + 1].ToString(); i++; }
                else throw new ArgumentException("'^' at the end");
            }
            foreach (char c in run)
            {
                if (!Glyphs.All.TryGetValue(c, out var glyph)) throw new ArgumentException($"the renderer has no glyph for '{c}'");
                double size = h * (sup ? 0.55 : 1.0) * (0.92 + 0.16 * rng.NextDouble());
                double baseTop = sup ? top - 0.3 * h : top + (rng.NextDouble() - 0.5) * 0.06 * h;
                double slant = style.Slant + (rng.NextDouble() - 0.5) * 0.06;
                foreach (var stroke in glyph.Strokes)
                {
                    var pts = stroke.Select(p =>
                    {
                        double px = p.X + (rng.NextDouble() - 0.5) * 2 * style.Jitter, py = p.Y + (rng.NextDouble() - 0.5) * 2 * style.Jitter;
                        return (x + (px + slant * (1 - py)) * size, baseTop + py * size);
                    }).ToArray();
                    placed.Add((pts, style.PenWidth * (sup ? 0.85 : 1.0)));
                }
                x += (glyph.Width + style.Spacing * (0.8 + 0.4 * rng.NextDouble())) * size;
            }
        }
        return new Layout(placed, (int)Math.Ceiling(x + style.Margin), (int)Math.Ceiling(top + 1.45 * h + style.Margin));
    }

    private static void Segment(float[] ink, int w, int h, (double X, double Y) a, (double X, double Y) b, double r)
    {
        int x0 = Math.Max(0, (int)Math.Floor(Math.Min(a.X, b.X) - r - 1)), x1 = Math.Min(w - 1, (int)Math.Ceiling(Math.Max(a.X, b.X) + r + 1));
        int y0 = Math.Max(0, (int)Math.Floor(Math.Min(a.Y, b.Y) - r - 1)), y1 = Math.Min(h - 1, (int)Math.Ceiling(Math.Max(a.Y, b.Y) + r + 1));
        double dx = b.X - a.X, dy = b.Y - a.Y, len2 = dx * dx + dy * dy;
        for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
        {
            double t = len2 == 0 ? 0 : Math.Clamp(((x - a.X) * dx + (y - a.Y) * dy) / len2, 0, 1);
            double ex = a.X + t * dx - x, ey = a.Y + t * dy - y;
            double coverage = Math.Clamp(r + 0.5 - Math.Sqrt(ex * ex + ey * ey), 0, 1);
            if (coverage > ink[y * w + x]) ink[y * w + x] = (float)coverage;
        }
    }
}
