using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// A first layer's forward and its weight gradient through its max-pool, driven by the input's non-zero pixels. The
/// network's input is strokes on a blank page: about 4% of a 45x45 symbol's pixels are ink (10% in the benchmark's
/// synthetic batches), so a formulation that skips the zeros does a twentieth of the dense pass's multiply-adds, where
/// the dense kernels, blocked for many channels, reach a quarter of the scalar peak on one input channel
/// (docs/performance.md). Each thread owns whole images (a coarse grid strides over them) and a scratch region of its
/// own: the packed filter and output pixels as [pixel][channel], channels padded to a multiple of four. Every non-zero
/// input pixel adds its value times a filter row to a contiguous run of output pixels. The forward keeps a ring of a
/// few output rows, which stays in L1: once no later input row reaches a row, it goes through the ReLU into the output,
/// or with its partner into the 2x2/2 max-pool, and its place is reset. The weight gradient reads the pool's gradient
/// laid out the same way, a whole image at a time. Stride 1 only. On a dense input this is slower than
/// <see cref="ConvKernels"/>, and on a GPU it would serialise an image per thread: it is planned for the CPU
/// accelerator's first layer (<see cref="ConvOps.PrefersSparseInput"/>).
/// </summary>
public static class SparseInputConvKernels
{
    /// <summary>Output channels rounded up to a multiple of four: the scratch's row of one pixel.</summary>
    public static int PaddedChannels(ConvGeometry g) => (g.Cout + 3) / 4 * 4;

    /// <summary>Floats of the packed filter: [ci][kh][kw reversed][channel].</summary>
    public static int PackedWeightLength(ConvGeometry g) => g.Cin * g.KH * g.KW * PaddedChannels(g);

    /// <summary>
    /// Output rows the forward keeps: a power of two above the kernel's height, so that the rows an input row reaches
    /// and the finished row waiting for its pool partner fit, and a row's place is its index masked.
    /// </summary>
    public static int RingRows(ConvGeometry g)
    {
        int rows = 2;
        while (rows < g.KH + 1) rows *= 2;
        return rows;
    }

    /// <summary>
    /// Floats one thread's forward scratch takes: its packed filter, the bias as one pixel's row, a ring of output rows,
    /// and each ring row's span of touched columns.
    /// </summary>
    public static int ForwardScratchLength(ConvGeometry g) => PackedWeightLength(g) + (1 + RingRows(g) * g.OW) * PaddedChannels(g) + 2 * RingRows(g);

    /// <summary>
    /// Floats one thread's weight-gradient scratch takes: one image's output gradient as [pixel][channel] (kept zero
    /// between images), then the thread's partial sums, the filter's as packed and the bias's.
    /// </summary>
    public static int GradientScratchLength(ConvGeometry g) => g.OH * g.OW * PaddedChannels(g) + PartialLength(g);

    private static int PartialLength(ConvGeometry g) => PackedWeightLength(g) + PaddedChannels(g);

    /// <summary>
    /// y = conv(x, w) + b as <see cref="ConvKernels.Forward"/> computes it (then max(0, y) with <paramref name="relu"/>),
    /// stored into y, or with <paramref name="pooled"/> set, its 2x2/2 max-pool and arg-max (the index in the output
    /// plane, first maximum in the window's row-major order) into y and <paramref name="argmax"/>. Tiles: images.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(Index1D thread, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b,
        ArrayView<float> y, ArrayView<int> argmax, ArrayView<float> scratch, ConvGeometry g, TileGrid grid, int hasBias,
        int relu, int pooled)
    {
        int c4 = PaddedChannels(g), packedLength = PackedWeightLength(g), ringMask = RingRows(g) - 1;
        fixed (float* xBase = &x[0])
        fixed (float* wBase = &w[0])
        fixed (float* bBase = &b[0])
        fixed (float* yBase = &y[0])
        fixed (int* amBase = &argmax[0])
        fixed (float* sBase = &scratch[0])
        {
            float* packed = sBase + thread * ForwardScratchLength(g);
            float* biasRow = packed + packedLength, ring = biasRow + c4, spans = ring + (ringMask + 1) * g.OW * c4;
            PackFilter(wBase, packed, g, c4);
            for (int co = 0; co < c4; co++) biasRow[co] = hasBias != 0 && co < g.Cout ? bBase[co] : 0f;
            // The output rows start as the bias at every launch, and each row is put back to the bias where the scatter
            // touched it (its span) once it is stored.
            Reset(ring, biasRow, c4, 0, (ringMask + 1) * g.OW);
            for (int i = 0; i <= ringMask; i++) ClearSpan(spans + 2 * i, g.OW);
            for (int n = thread; n < grid.Tiles; n += grid.ThreadCount)
            {
                // Input rows in order: after row r, no later row reaches output rows up to r + Pad - KH + 1, so they are
                // stored (or pooled, two at a time) while they sit in L1, and their places take the rows that come.
                int next = 0;
                for (int r = 0; r < g.H; r++)
                {
                    for (int ci = 0; ci < g.Cin; ci++)
                        ScatterRow(xBase + ((n * g.Cin + ci) * g.H + r) * g.W, r, packed + ci * g.KH * g.KW * c4, ring, ringMask, false, g, c4, spans, 1);
                    int done = r + g.Pad - g.KH + 1;
                    for (; next <= done && next < g.OH; next++) Finish(ring, spans, ringMask, biasRow, yBase, amBase, g, c4, n, next, relu, pooled);
                }
                for (; next < g.OH; next++) Finish(ring, spans, ringMask, biasRow, yBase, amBase, g, c4, n, next, relu, pooled);
            }
        }
    }

    /// <summary>
    /// Output row <paramref name="oh"/> is complete: stored through the ReLU, or with <paramref name="pooled"/>, pooled
    /// with the row before it when it is a window's second row. Its place (and its partner's) is reset to the bias over
    /// the span the scatter touched; the last row of an odd height belongs to no window and is only reset. Windows
    /// outside both rows' spans hold the bias alone: their maximum is the bias and their arg-max the first pixel, with
    /// no comparisons (on the dataset's symbols, two thirds of the windows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Finish(float* ring, float* spans, int ringMask, float* biasRow, float* y, int* argmax, ConvGeometry g,
        int c4, int n, int oh, int relu, int pooled)
    {
        int ow = g.OW;
        float* row = ring + (oh & ringMask) * ow * c4;
        float* span = spans + 2 * (oh & ringMask);
        if (pooled == 0)
        {
            StoreRow(row, y + (n * g.Cout * g.OH + oh) * ow, g.OH * ow, g.Cout, ow, c4, relu);
            ResetSpan(row, span, biasRow, c4, ow);
            return;
        }
        if ((oh & 1) == 0)
        {
            if (oh == g.OH - 1) ResetSpan(row, span, biasRow, c4, ow);
            return;
        }
        float* above = ring + ((oh - 1) & ringMask) * ow * c4;
        float* aboveSpan = spans + 2 * ((oh - 1) & ringMask);
        int ph = g.OH / 2, pw = ow / 2, windows = ph * pw, i = oh / 2;
        // The windows that hold a touched pixel, in either row.
        int lo = (int)MathF.Min(span[0], aboveSpan[0]), hi = (int)MathF.Max(span[1], aboveSpan[1]);
        int j0 = lo / 2, j1 = (hi + 1) / 2 < pw ? (hi + 1) / 2 : pw;
        if (j0 > j1) j0 = j1;
        float* yRow = y + n * g.Cout * windows + i * pw;
        int* argRow = argmax + n * g.Cout * windows + i * pw;
        int at0 = (oh - 1) * ow;
        BiasWindows(biasRow, yRow, argRow, windows, g.Cout, 0, j0, at0, relu);
        PoolRow(above, row, yRow, argRow, windows, g.Cout, j0, j1, at0, ow, c4, relu);
        BiasWindows(biasRow, yRow, argRow, windows, g.Cout, j1, pw, at0, relu);
        ResetSpan(above, aboveSpan, biasRow, c4, ow);
        ResetSpan(row, span, biasRow, c4, ow);
    }

    /// <summary>Windows [j0, j1) of a pooled row that the scatter never touched: the bias (through the ReLU) at the first pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BiasWindows(float* biasRow, float* y, int* argmax, int windows, int cout, int j0, int j1, int at0, int relu)
    {
        for (int co = 0; co < cout; co++)
        {
            float v = relu != 0 ? MathF.Max(biasRow[co], 0f) : biasRow[co];
            float* yp = y + co * windows;
            int* ap = argmax + co * windows;
            for (int j = j0; j < j1; j++)
            {
                yp[j] = v;
                ap[j] = at0 + 2 * j;
            }
        }
    }

    /// <summary>A row's touched columns back to the bias, and its span emptied.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ResetSpan(float* row, float* span, float* biasRow, int c4, int ow)
    {
        int lo = (int)span[0], hi = (int)span[1];
        if (lo < hi) Reset(row, biasRow, c4, lo, hi);
        ClearSpan(span, ow);
    }

    /// <summary>An empty span: columns [ow, 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ClearSpan(float* span, int ow)
    {
        span[0] = ow;
        span[1] = 0f;
    }

    /// <summary>
    /// The filter as the scatter reads it: for each input channel and kernel row, the taps right to left, each tap's
    /// channels side by side, so one input pixel's contribution to a row of outputs is one contiguous run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackFilter(float* w, float* packed, ConvGeometry g, int c4)
    {
        for (int ci = 0; ci < g.Cin; ci++)
        for (int kh = 0; kh < g.KH; kh++)
        for (int j = 0; j < g.KW; j++)
        for (int co = 0; co < c4; co++)
            packed[((ci * g.KH + kh) * g.KW + j) * c4 + co] =
                co < g.Cout ? w[((co * g.Cin + ci) * g.KH + kh) * g.KW + g.KW - 1 - j] : 0f;
    }

    /// <summary>
    /// For every non-zero pixel v of input row <paramref name="r"/> and every kernel row that reaches an output row: the
    /// run of output pixels it touches, times the run of taps. The forward adds v * taps into the outputs
    /// (<paramref name="intoFilter"/> false); the weight gradient adds v * output gradients into the taps
    /// (<paramref name="intoFilter"/> set: <paramref name="filter"/> holds the sums, <paramref name="output"/> the
    /// output gradient). Either way a run is (taps that fit) x c4 contiguous floats on both sides. Output row oh lives at
    /// row oh &amp; <paramref name="ringMask"/> of <paramref name="output"/> (a ring of rows), or at row oh when the mask is -1.
    /// With <paramref name="trackSpans"/> set, each touched row's span of columns widens in <paramref name="spans"/> (two
    /// floats per ring row: first column, one past the last).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ScatterRow(float* xr, int r, float* filter, float* output, int ringMask, bool intoFilter, ConvGeometry g, int c4,
        float* spans, int trackSpans)
    {
        // The geometry in locals: the stores through raw pointers would otherwise make the JIT reload its fields.
        int w = g.W, kh = g.KH, kw = g.KW, oh = g.OH, ow = g.OW, pad = g.Pad;
        for (int c = 0; c < w; c++)
        {
            float v = xr[c];
            if (v == 0f) continue;
            int ow0 = c + pad - (kw - 1);
            int jLo = ow0 < 0 ? -ow0 : 0, jHi = ow - ow0 < kw ? ow - ow0 : kw;
            if (jLo >= jHi) continue;
            int length = (jHi - jLo) * c4;
            for (int k = 0; k < kh; k++)
            {
                int row = r + pad - k;
                if (row < 0 || row >= oh) continue;
                float* o = output + ((row & ringMask) * ow + ow0 + jLo) * c4;
                float* f = filter + (k * kw + jLo) * c4;
                if (trackSpans != 0)
                {
                    float* span = spans + 2 * (row & ringMask);
                    span[0] = MathF.Min(span[0], ow0 + jLo);
                    span[1] = MathF.Max(span[1], ow0 + jHi);
                }
                if (intoFilter) Axpy(f, o, v, length);
                else Axpy(o, f, v, length);
            }
        }
    }

    /// <summary>into[i] += v * from[i] for i below <paramref name="length"/>, a multiple of four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Axpy(float* into, float* from, float v, int length)
    {
        // The pointers advance rather than an index: constant offsets, no address arithmetic per value.
        for (int i = 0; i < length; i += 4)
        {
            into[0] += v * from[0];
            into[1] += v * from[1];
            into[2] += v * from[2];
            into[3] += v * from[3];
            into += 4;
            from += 4;
        }
    }

    /// <summary>Pixels [from, to) of the output set to the bias row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Reset(float* acc, float* biasRow, int c4, int from, int to)
    {
        for (int p = from; p < to; p++)
        {
            float* a = acc + p * c4;
            for (int co = 0; co < c4; co += 4)
            {
                a[co] = biasRow[co]; a[co + 1] = biasRow[co + 1]; a[co + 2] = biasRow[co + 2]; a[co + 3] = biasRow[co + 3];
            }
        }
    }

    /// <summary>One output row of every channel, through the ReLU when asked, into NCHW y (channel planes <paramref name="plane"/> apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void StoreRow(float* row, float* y, int plane, int cout, int ow, int c4, int relu)
    {
        for (int p = 0; p < ow; p++)
        {
            float* a = row + p * c4;
            float* yp = y + p;
            for (int co = 0; co < cout; co++)
            {
                float v = a[co];
                *yp = relu != 0 ? MathF.Max(v, 0f) : v;
                yp += plane;
            }
        }
    }

    /// <summary>
    /// Windows [j0, j1) of one row of 2x2/2 windows over output rows <paramref name="top"/> and <paramref name="bottom"/> of every channel
    /// (through the ReLU when asked), as <see cref="PoolKernels.Forward"/> takes it: the maximum into y and its index in
    /// the output plane (the top row's first pixel is <paramref name="at0"/>) into argmax, channel planes
    /// <paramref name="windows"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PoolRow(float* top, float* bottom, float* y, int* argmax, int windows, int cout, int j0, int j1, int at0,
        int ow, int c4, int relu)
    {
        for (int j = j0; j < j1; j++)
        {
            float* a0 = top + 2 * j * c4;
            float* a2 = bottom + 2 * j * c4;
            float* yp = y + j;
            int* ap = argmax + j;
            int p0 = at0 + 2 * j;
            for (int co = 0; co < cout; co++)
            {
                float v0 = a0[co], v1 = a0[c4 + co], v2 = a2[co], v3 = a2[c4 + co];
                // The first maximum in row-major order: later ones replace it only when strictly larger. The
                // comparisons become 0 or 1 and the arg-max arithmetic on them: as branches they go either way
                // (compiled so, they took more than half of this kernel's time).
                int right = Above(v1, v0), lowerRight = Above(v3, v2);
                float topMax = MathF.Max(v0, v1), bottomMax = MathF.Max(v2, v3);
                int lower = Above(bottomMax, topMax);
                float best = MathF.Max(topMax, bottomMax);
                int offset = right + lower * (ow + lowerRight - right);
                if (relu != 0)
                {
                    // The ReLU after the maximum: the same maximum where it is positive; otherwise every value is
                    // zero and the first wins.
                    offset *= Above(best, 0f);
                    best = MathF.Max(best, 0f);
                }
                *yp = best;
                *ap = p0 + offset;
                yp += windows;
                ap += windows;
            }
        }
    }

    /// <summary>
    /// 1 when a > b, else 0, without a branch: the sign of b - a (exact for finite floats: b - a is zero only when they
    /// are equal). The JIT compiles a float comparison to a branch, even as <c>a > b ? 1 : 0</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Above(float a, float b) => (int)((uint)Interop.FloatAsInt(b - a) >> 31);

    /// <summary>
    /// A thread's partial dw and db through the 2x2-or-other disjoint max-pool this convolution feeds, as
    /// <see cref="PooledConvGradientKernels.WeightGradient"/> defines them: each of its images' pooled gradient is
    /// written at its windows' arg-max pixels into a [pixel][channel] map, every non-zero input pixel adds its value
    /// times the runs of that map it reaches into the packed filter's sums, and the map is cleared again where it was
    /// written. <see cref="ReduceWeightGradient"/> then adds the threads' sums. The scratch's maps must start zero (the
    /// workspace clears them once when it is made). Tiles: images.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void WeightGradient(Index1D thread, ArrayView<float> x, ArrayView<float> dy, ArrayView<int> argmax,
        ArrayView<float> y, ArrayView<float> scratch, ConvGeometry g, PoolGeometry p, int reluMask, TileGrid grid)
    {
        int c4 = PaddedChannels(g), windows = p.OH * p.OW, packedLength = PackedWeightLength(g);
        fixed (float* xBase = &x[0])
        fixed (float* dyBase = &dy[0])
        fixed (int* amBase = &argmax[0])
        fixed (float* yBase = &y[0])
        fixed (float* sBase = &scratch[0])
        {
            float* map = sBase + thread * GradientScratchLength(g);
            float* sums = map + g.OH * g.OW * c4;
            for (int i = 0; i < PartialLength(g); i++) sums[i] = 0f;
            for (int n = thread; n < grid.Tiles; n += grid.ThreadCount)
            {
                for (int co = 0; co < g.Cout; co++)
                {
                    int first = (n * g.Cout + co) * windows;
                    float bias = 0f;
                    // Every window writes, the masked ones a zero: as a branch the ReLU's mask goes either way.
                    for (int win = first; win < first + windows; win++)
                    {
                        float d = reluMask != 0 ? dyBase[win] * Above(yBase[win], 0f) : dyBase[win];
                        map[amBase[win] * c4 + co] = d;
                        bias += d;
                    }
                    sums[packedLength + co] += bias;
                }
                for (int ci = 0; ci < g.Cin; ci++)
                for (int r = 0; r < g.H; r++)
                    ScatterRow(xBase + ((n * g.Cin + ci) * g.H + r) * g.W, r, sums + ci * g.KH * g.KW * c4, map, -1, true, g, c4, sums, 0);
                for (int co = 0; co < g.Cout; co++)
                {
                    int first = (n * g.Cout + co) * windows;
                    for (int win = first; win < first + windows; win++) map[amBase[win] * c4 + co] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// dw[co, ci, kh, kw] and db[co]: the sums of the <paramref name="partials"/> threads' partial sums written by
    /// <see cref="WeightGradient"/>, in thread order (the same order every step). One entry of dw or db per item. The
    /// order depends on the thread count, which follows the processor count: training repeats bit for bit on one
    /// machine, and to rounding on another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ReduceWeightGradient(Index1D thread, ArrayView<float> scratch, ArrayView<float> dw,
        ArrayView<float> db, ConvGeometry g, int partials, int hasBias, ChunkGrid chunks)
    {
        int c4 = PaddedChannels(g), entries = g.Cin * g.KH * g.KW, stride = GradientScratchLength(g);
        fixed (float* sBase = &scratch[0])
        fixed (float* dwBase = &dw[0])
        fixed (float* dbBase = &db[0])
            for (int item = chunks.Start(thread); item < chunks.End(thread); item++)
            {
                // Items: dw in its own order, then db.
                int co, at;
                if (item < g.Cout * entries)
                {
                    co = item / entries;
                    int e = item - co * entries, ci = e / (g.KH * g.KW), k = e - ci * g.KH * g.KW, kh = k / g.KW, kw = k - kh * g.KW;
                    at = ((ci * g.KH + kh) * g.KW + g.KW - 1 - kw) * c4 + co;
                }
                else
                {
                    co = item - g.Cout * entries;
                    if (hasBias == 0) continue;
                    at = PackedWeightLength(g) + co;
                }
                float* s = sBase + g.OH * g.OW * c4 + at;
                float sum = 0f;
                for (int t = 0; t < partials; t++) sum += s[t * stride];
                if (item < g.Cout * entries) dwBase[item] = sum;
                else dbBase[co] = sum;
            }
    }
}
