namespace Solver.Kernels;

/// <summary>
/// Four consecutive entries j0..j0+3 of a flattened filter (j = (ci, kh, kw)), as the weight gradient visits them: where
/// each one's pixel lies, and for which output positions all four lie inside the input so that four plain loads at
/// fixed offsets fetch them. Entries past the filter's end repeat the first: their loads stay in bounds, their sums are
/// never stored.
/// </summary>
public struct FilterEntries
{
    public int Ci0, Ci1, Ci2, Ci3;
    public int Kh0, Kh1, Kh2, Kh3;
    public int Kw0, Kw1, Kw2, Kw3;

    /// <summary>Offsets of the four pixels from the pixel at (ci 0, the block's lowest kh, its lowest kw): never negative.</summary>
    public int O0, O1, O2, O3;

    /// <summary>That reference pixel's offset from (ih, iw) = (oh*s - p, ow*s - p): lowest kh * W + lowest kw.</summary>
    public int Shift;

    /// <summary>All four pixels are inside the input when ih - LowH is in [0, SpanH) and iw - LowW in [0, SpanW).</summary>
    public int LowH, SpanH, LowW, SpanW;

    public static FilterEntries At(int j0, ConvGeometry g)
    {
        int taps = g.KH * g.KW, entries = g.Cin * taps;
        int j1 = j0 + 1 < entries ? j0 + 1 : j0, j2 = j0 + 2 < entries ? j0 + 2 : j0, j3 = j0 + 3 < entries ? j0 + 3 : j0;
        var e = new FilterEntries
        {
            Ci0 = j0 / taps, Ci1 = j1 / taps, Ci2 = j2 / taps, Ci3 = j3 / taps,
        };
        int t0 = j0 - e.Ci0 * taps, t1 = j1 - e.Ci1 * taps, t2 = j2 - e.Ci2 * taps, t3 = j3 - e.Ci3 * taps;
        e.Kh0 = t0 / g.KW; e.Kh1 = t1 / g.KW; e.Kh2 = t2 / g.KW; e.Kh3 = t3 / g.KW;
        e.Kw0 = t0 - e.Kh0 * g.KW; e.Kw1 = t1 - e.Kh1 * g.KW; e.Kw2 = t2 - e.Kh2 * g.KW; e.Kw3 = t3 - e.Kh3 * g.KW;
        int khMin = Min4(e.Kh0, e.Kh1, e.Kh2, e.Kh3), khMax = Max4(e.Kh0, e.Kh1, e.Kh2, e.Kh3);
        int kwMin = Min4(e.Kw0, e.Kw1, e.Kw2, e.Kw3), kwMax = Max4(e.Kw0, e.Kw1, e.Kw2, e.Kw3);
        int hw = g.H * g.W;
        e.O0 = e.Ci0 * hw + (e.Kh0 - khMin) * g.W + e.Kw0 - kwMin;
        e.O1 = e.Ci1 * hw + (e.Kh1 - khMin) * g.W + e.Kw1 - kwMin;
        e.O2 = e.Ci2 * hw + (e.Kh2 - khMin) * g.W + e.Kw2 - kwMin;
        e.O3 = e.Ci3 * hw + (e.Kh3 - khMin) * g.W + e.Kw3 - kwMin;
        e.Shift = khMin * g.W + kwMin;
        e.LowH = -khMin;
        e.SpanH = Math.Max(0, g.H - khMax + khMin);
        e.LowW = -kwMin;
        e.SpanW = Math.Max(0, g.W - kwMax + kwMin);
        return e;
    }

    private static int Min4(int a, int b, int c, int d) => Math.Min(Math.Min(a, b), Math.Min(c, d));

    private static int Max4(int a, int b, int c, int d) => Math.Max(Math.Max(a, b), Math.Max(c, d));
}
