using Solver.Trainer;

namespace Solver.Inference.Evaluation;

/// <summary>One composed test equation: its text, its symbols' labels and raised flags, and the expected solutions.</summary>
public sealed record ComposedEquation(string Text, string Kind, List<string> Labels, List<bool> Superscript, List<string> Expected);

/// <summary>
/// Random equations with known integer solutions, and their pictures assembled from real handwritten symbol images
/// (the test split's), with random spacing, scale, slant and stroke thickness. Nothing is written to disk.
/// </summary>
public static class EquationComposer
{
    public static ComposedEquation Linear(Random rng)
    {
        int a = rng.Next(2, 10), x = rng.Next(-9, 10), b = rng.Next(1, 20);
        int c = a * x + b;
        string v = "xyz"[rng.Next(3)].ToString();
        string text = $"{a}{v}+{b}={c}";
        return Make(text, "linear", [x.ToString()]);
    }

    public static ComposedEquation Quadratic(Random rng)
    {
        int r1 = rng.Next(-9, 10), r2 = rng.Next(-9, 10);
        int p = -(r1 + r2), q = r1 * r2;
        string text = "x^2" + (p == 0 ? "" : p > 0 ? $"+{p}x" : $"-{-p}x").Replace("+1x", "+x").Replace("-1x", "-x") + (q == 0 ? "" : q > 0 ? $"+{q}" : $"{q}") + "=0";
        var roots = new[] { r1, r2 }.Distinct().Order().Select(r => r.ToString()).ToList();
        return Make(text, "quadratic", roots);
    }

    private static ComposedEquation Make(string text, string kind, List<string> expected)
    {
        var labels = new List<string>();
        var sup = new List<bool>();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '^') { labels.Add(text[++i].ToString()); sup.Add(true); continue; }
            labels.Add(text[i].ToString());
            sup.Add(false);
        }
        return new ComposedEquation(text, kind, labels, sup, expected);
    }

    /// <summary>Draws the equation: dark ink on white, about 64 px symbols, from random test images of each class.</summary>
    public static byte[,] Render(ComposedEquation eq, Dataset data, Dictionary<string, List<int>> byClass, Random rng, out int width, out int height)
    {
        const int H = 64, margin = 24;
        var pieces = new List<(byte[,] Ink, int X, int Y)>();
        int x = margin;
        double slant = (rng.NextDouble() - 0.5) * 0.3;
        int thickness = rng.Next(0, 3);
        int baseline = margin + (int)(1.2 * H);
        for (int i = 0; i < eq.Labels.Count; i++)
        {
            var pool = byClass[eq.Labels[i]];
            var img = data.Image(pool[rng.Next(pool.Count)]).ToArray();
            var ink = Crop(img);
            int ih = ink.GetLength(0), iw = ink.GetLength(1);
            double scale = H * (0.85 + 0.3 * rng.NextDouble()) / 45.0;
            bool flat = iw > 2 * ih;
            if (eq.Superscript[i]) scale *= 0.55;
            int w = Math.Max(1, (int)(iw * scale)), h = Math.Max(1, (int)(ih * scale));
            if (flat) { double f = 0.75 * H / Math.Max(w, 1); w = (int)(w * f); h = Math.Max(1, (int)(h * f)); }
            var scaled = Resize(ink, w, h, slant, thickness);
            int y = eq.Superscript[i] ? baseline - (int)(0.55 * H) - scaled.GetLength(0)
                : flat || eq.Labels[i] is "+" or "=" ? baseline - (int)(0.45 * H) - scaled.GetLength(0) / 2
                : baseline - scaled.GetLength(0);
            pieces.Add((scaled, x, y));
            x += scaled.GetLength(1) + (int)(H * (0.12 + 0.25 * rng.NextDouble()));
        }
        width = x + margin;
        height = baseline + (int)(0.6 * H) + margin;
        var canvas = new byte[height, width];
        for (int yy = 0; yy < height; yy++) for (int xx = 0; xx < width; xx++) canvas[yy, xx] = 255;
        foreach (var (ink, px, py) in pieces)
            for (int yy = 0; yy < ink.GetLength(0); yy++)
            for (int xx = 0; xx < ink.GetLength(1); xx++)
            {
                int cy = py + yy, cx = px + xx;
                if ((uint)cy < height && (uint)cx < width && ink[yy, xx] > 0) canvas[cy, cx] = (byte)Math.Min(canvas[cy, cx], 255 - ink[yy, xx]);
            }
        return canvas;
    }

    private static byte[,] Crop(byte[] img)
    {
        int x0 = 45, y0 = 45, x1 = -1, y1 = -1;
        for (int y = 0; y < 45; y++)
        for (int x = 0; x < 45; x++)
            if (img[y * 45 + x] > 64) { x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y); }
        if (x1 < 0) return new byte[1, 1];
        var r = new byte[y1 - y0 + 1, x1 - x0 + 1];
        for (int y = y0; y <= y1; y++) for (int x = x0; x <= x1; x++) r[y - y0, x - x0] = img[y * 45 + x];
        return r;
    }

    /// <summary>Nearest-neighbour scale with a horizontal shear (slant), then a square dilation of the given radius.</summary>
    private static byte[,] Resize(byte[,] ink, int w, int h, double slant, int dilate)
    {
        int ih = ink.GetLength(0), iw = ink.GetLength(1);
        int extra = (int)Math.Ceiling(Math.Abs(slant) * h);
        var r = new byte[h + 2 * dilate, w + extra + 2 * dilate];
        // Sample the source densely so thin strokes survive upscaling.
        for (int sy = 0; sy < ih * 4; sy++)
        for (int sx = 0; sx < iw * 4; sx++)
        {
            byte v = ink[sy / 4, sx / 4];
            if (v == 0) continue;
            double fy = (sy + 0.5) / (ih * 4) * h, fx = (sx + 0.5) / (iw * 4) * w;
            int ty = (int)fy, tx = (int)(fx + slant * (h - fy)) + (slant < 0 ? extra : 0);
            for (int dy = 0; dy <= 2 * dilate; dy++)
            for (int dx = 0; dx <= 2 * dilate; dx++)
            {
                int yy = ty + dy, xx = tx + dx;
                if ((uint)yy < r.GetLength(0) && (uint)xx < r.GetLength(1)) r[yy, xx] = Math.Max(r[yy, xx], v);
            }
        }
        return r;
    }
}
