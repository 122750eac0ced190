namespace Solver.Inference.Imaging;

public enum BinarizationMethod { Otsu, Sauvola }

/// <summary>
/// Grayscale to ink mask. Otsu picks one global threshold; Sauvola picks one per pixel from the mean and spread of
/// its neighbourhood, which survives uneven light and shadows. A pixel is ink only if it is also clearly darker than
/// its surroundings in absolute terms, so flat paper (low spread) never turns into noise.
/// </summary>
public static class Binarizer
{
    public static InkMask Apply(GrayImage g, BinarizationMethod method) =>
        method == BinarizationMethod.Otsu ? Otsu(g) : Sauvola(g);

    public static InkMask Otsu(GrayImage g)
    {
        var hist = new long[256];
        foreach (var p in g.Pixels) hist[p]++;
        long total = g.Pixels.Length;
        double sumAll = 0;
        for (int i = 0; i < 256; i++) sumAll += i * (double)hist[i];
        double sumB = 0, best = -1;
        long wB = 0;
        int threshold = 127;
        for (int t = 0; t < 256; t++)
        {
            wB += hist[t];
            if (wB == 0) continue;
            long wF = total - wB;
            if (wF == 0) break;
            sumB += t * (double)hist[t];
            double mB = sumB / wB, mF = (sumAll - sumB) / wF;
            double between = (double)wB * wF * (mB - mF) * (mB - mF);
            if (between > best) { best = between; threshold = t; }
        }
        // A blank page has no ink: a threshold with almost no contrast between the classes means nothing to find.
        var ink = new bool[g.Pixels.Length];
        if (best / ((double)total * total) < 25) return new InkMask(g.Width, g.Height, ink);
        for (int i = 0; i < ink.Length; i++) ink[i] = g.Pixels[i] <= threshold;
        return new InkMask(g.Width, g.Height, ink);
    }

    /// <summary>Sauvola: T = m * (1 + k (s / 128 - 1)) over a window about 1/12 of the shorter side, via integral images.</summary>
    public static InkMask Sauvola(GrayImage g, double k = 0.2)
    {
        int w = g.Width, h = g.Height;
        int r = Math.Max(7, Math.Min(w, h) / 24);
        var sum = new long[(w + 1) * (h + 1)];
        var sq = new double[(w + 1) * (h + 1)];
        for (int y = 0; y < h; y++)
        {
            long row = 0; double rowSq = 0;
            for (int x = 0; x < w; x++)
            {
                int v = g.Pixels[y * w + x];
                row += v; rowSq += (double)v * v;
                sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
                sq[(y + 1) * (w + 1) + x + 1] = sq[y * (w + 1) + x + 1] + rowSq;
            }
        }
        var ink = new bool[w * h];
        for (int y = 0; y < h; y++)
        {
            int y0 = Math.Max(0, y - r), y1 = Math.Min(h, y + r + 1);
            for (int x = 0; x < w; x++)
            {
                int x0 = Math.Max(0, x - r), x1 = Math.Min(w, x + r + 1);
                double n = (double)(x1 - x0) * (y1 - y0);
                double s = sum[y1 * (w + 1) + x1] - sum[y0 * (w + 1) + x1] - sum[y1 * (w + 1) + x0] + sum[y0 * (w + 1) + x0];
                double s2 = sq[y1 * (w + 1) + x1] - sq[y0 * (w + 1) + x1] - sq[y1 * (w + 1) + x0] + sq[y0 * (w + 1) + x0];
                double mean = s / n;
                double std = Math.Sqrt(Math.Max(0, s2 / n - mean * mean));
                double t = mean * (1 + k * (std / 128 - 1));
                int v = g.Pixels[y * w + x];
                ink[y * w + x] = v < t && mean - v > 20;
            }
        }
        return new InkMask(w, h, ink);
    }
}
