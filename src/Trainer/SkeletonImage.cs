namespace Solver.Trainer;

/// <summary>
/// The crop convention shared by training augmentation and inference: a stroke mask is thinned to a 1 px
/// skeleton (Zhang-Suen) at its own resolution, then redrawn as 1 px lines with the skeleton's bounding box
/// scaled, aspect kept, until its longer side spans 45 px, centred: the way the dataset was rendered from ink.
/// </summary>
public static class SkeletonImage
{
    private const int Size = SymbolImage.Size;

    /// <summary>Returns 45x45 bytes (ink 255 on 0). The grid is w x h with a blank one-pixel border; it is thinned in place.</summary>
    public static byte[] FromMask(bool[] grid, int w, int h)
    {
        Thin(grid, w, h);

        // The skeleton's own box fills the 45 px (thinning pulls stroke ends in by half a pen width).
        int sx0 = w, sy0 = h, sx1 = -1, sy1 = -1;
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (grid[y * w + x]) { sx0 = Math.Min(sx0, x); sx1 = Math.Max(sx1, x); sy0 = Math.Min(sy0, y); sy1 = Math.Max(sy1, y); }
        var result = new byte[Size * Size];
        if (sx1 < 0) return result;
        int bw = sx1 - sx0 + 1, bh = sy1 - sy0 + 1;
        int longer = Math.Max(bw, bh);
        double scale = longer <= 1 ? 0 : (Size - 1.0) / (longer - 1);
        double ox = (Size - 1 - (bw - 1) * scale) / 2, oy = (Size - 1 - (bh - 1) * scale) / 2;
        (int, int) Map(int x, int y) => ((int)Math.Round((x - sx0) * scale + ox), (int)Math.Round((y - sy0) * scale + oy));
        for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++)
        {
            if (!grid[y * w + x]) continue;
            var (ax, ay) = Map(x, y);
            Plot(result, ax, ay);
            // Join to the skeleton neighbours ahead of us, so scaled-up strokes stay connected.
            foreach (var (dx, dy) in new[] { (1, 0), (0, 1), (1, 1), (-1, 1) })
            {
                if (!grid[(y + dy) * w + x + dx]) continue;
                var (bx, by) = Map(x + dx, y + dy);
                Line(result, ax, ay, bx, by);
            }
        }
        return result;
    }

    private static void Plot(byte[] img, int x, int y)
    {
        if ((uint)x < Size && (uint)y < Size) img[y * Size + x] = 255;
    }

    private static void Line(byte[] img, int x0, int y0, int x1, int y1)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            Plot(img, x0, y0);
            if (x0 == x1 && y0 == y1) return;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    /// <summary>Zhang-Suen thinning, in place; the grid has a blank border.</summary>
    public static void Thin(bool[] g, int w, int h)
    {
        var remove = new List<int>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int pass = 0; pass < 2; pass++)
            {
                remove.Clear();
                for (int y = 1; y < h - 1; y++)
                for (int x = 1; x < w - 1; x++)
                {
                    int i = y * w + x;
                    if (!g[i]) continue;
                    bool p2 = g[i - w], p3 = g[i - w + 1], p4 = g[i + 1], p5 = g[i + w + 1], p6 = g[i + w], p7 = g[i + w - 1], p8 = g[i - 1], p9 = g[i - w - 1];
                    int b = (p2 ? 1 : 0) + (p3 ? 1 : 0) + (p4 ? 1 : 0) + (p5 ? 1 : 0) + (p6 ? 1 : 0) + (p7 ? 1 : 0) + (p8 ? 1 : 0) + (p9 ? 1 : 0);
                    if (b < 2 || b > 6) continue;
                    int a = (!p2 && p3 ? 1 : 0) + (!p3 && p4 ? 1 : 0) + (!p4 && p5 ? 1 : 0) + (!p5 && p6 ? 1 : 0) + (!p6 && p7 ? 1 : 0) + (!p7 && p8 ? 1 : 0) + (!p8 && p9 ? 1 : 0) + (!p9 && p2 ? 1 : 0);
                    if (a != 1) continue;
                    if (pass == 0 ? (p2 && p4 && p6) || (p4 && p6 && p8) : (p2 && p4 && p8) || (p2 && p6 && p8)) continue;
                    remove.Add(i);
                }
                foreach (var i in remove) g[i] = false;
                changed |= remove.Count > 0;
            }
        }
    }
}
