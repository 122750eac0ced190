namespace Solver.Inference.Evaluation;

/// <summary>
/// Makes a clean composed equation (dark ink on white) look like a phone photo of paper, at a damage level:
/// 0 none; 1 (the default "photo") a slight tilt and keystone, ruled lines on some pages, uneven light from one side
/// and sometimes a soft shadow, grey paper, a little blur and sensor noise; 2 the same, about twice as strong. The
/// evaluation draws the damage from its own random stream, so every level sees the same equations.
/// </summary>
public static class PhotoDamage
{
    public const int MaxLevel = 2;

    public static byte[,] Apply(byte[,] clean, int level, Random rng)
    {
        if (level <= 0) return clean;
        double s = level;
        int h = clean.GetLength(0), w = clean.GetLength(1);
        var img = Warp(clean, (rng.NextDouble() * 2 - 1) * 1.5 * s * Math.PI / 180, (rng.NextDouble() * 2 - 1) * 0.03 * s);
        if (rng.NextDouble() < 0.5 * s) RuledLines(img, rng.Next(36, 49), rng.Next(0, 20), 205 - (int)(10 * s));
        Light(img, rng, s);
        img = Blur(img, 0.6 * s);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                img[y, x] += Gaussian(rng) * 5 * s;
        var result = new byte[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) result[y, x] = (byte)Math.Clamp(Math.Round(img[y, x]), 0, 255);
        return result;
    }

    /// <summary>Rotation about the centre and a keystone (rows further down are wider), bilinear, white outside.</summary>
    private static double[,] Warp(byte[,] src, double angle, double keystone)
    {
        int h = src.GetLength(0), w = src.GetLength(1);
        double cx = w / 2.0, cy = h / 2.0, cos = Math.Cos(angle), sin = Math.Sin(angle);
        var dst = new double[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double dx = x - cx, dy = y - cy;
                double scale = 1 + keystone * dy / h * 2;
                double sx = (cos * dx + sin * dy) / scale + cx, sy = -sin * dx + cos * dy + cy;
                dst[y, x] = Sample(src, sx, sy);
            }
        return dst;
    }

    private static double Sample(byte[,] src, double x, double y)
    {
        int h = src.GetLength(0), w = src.GetLength(1);
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        double fx = x - x0, fy = y - y0, sum = 0;
        for (int j = 0; j <= 1; j++)
            for (int i = 0; i <= 1; i++)
            {
                int xi = x0 + i, yj = y0 + j;
                double v = xi >= 0 && xi < w && yj >= 0 && yj < h ? src[yj, xi] : 255;
                sum += v * (i == 0 ? 1 - fx : fx) * (j == 0 ? 1 - fy : fy);
            }
        return sum;
    }

    /// <summary>Thin grey ruled lines across the page, under the ink.</summary>
    private static void RuledLines(double[,] img, int spacing, int offset, int gray)
    {
        int h = img.GetLength(0), w = img.GetLength(1);
        for (int y = offset; y < h; y += spacing)
            for (int x = 0; x < w; x++) img[y, x] = Math.Min(img[y, x], gray);
    }

    /// <summary>Grey paper lit unevenly: a gradient from one side and sometimes a soft round shadow.</summary>
    private static void Light(double[,] img, Random rng, double s)
    {
        int h = img.GetLength(0), w = img.GetLength(1);
        double paper = 235 - 10 * s, gx = (rng.NextDouble() * 2 - 1) * 0.25 * s, gy = (rng.NextDouble() * 2 - 1) * 0.15 * s;
        bool shadow = rng.NextDouble() < 0.5;
        double sx = rng.NextDouble() * w, sy = rng.NextDouble() * h, r = (0.3 + 0.4 * rng.NextDouble()) * Math.Max(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double light = 1 - Math.Max(0, gx * (x / (double)w - 0.5) * 2) - Math.Max(0, gy * (y / (double)h - 0.5) * 2);
                if (shadow) light *= 1 - 0.3 * s * Math.Exp(-((x - sx) * (x - sx) + (y - sy) * (y - sy)) / (2 * r * r));
                img[y, x] = img[y, x] / 255 * paper * light;
            }
    }

    /// <summary>Separable Gaussian blur.</summary>
    private static double[,] Blur(double[,] img, double sigma)
    {
        int h = img.GetLength(0), w = img.GetLength(1), radius = (int)Math.Ceiling(2.5 * sigma);
        var k = Enumerable.Range(-radius, 2 * radius + 1).Select(i => Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        double total = k.Sum();
        var tmp = new double[h, w];
        var dst = new double[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double a = 0;
                for (int i = -radius; i <= radius; i++) a += k[i + radius] * img[y, Math.Clamp(x + i, 0, w - 1)];
                tmp[y, x] = a / total;
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double a = 0;
                for (int i = -radius; i <= radius; i++) a += k[i + radius] * tmp[Math.Clamp(y + i, 0, h - 1), x];
                dst[y, x] = a / total;
            }
        return dst;
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
