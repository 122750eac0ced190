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
/// own: packed weights and one image's output as [pixel][channel], channels padded to a multiple of four. Every
/// non-zero input pixel adds its value times a filter row to a contiguous run of that scratch, then the output pass
/// applies the ReLU and stores the image, or folds it into its 2x2/2 max-pool. Stride 1 only. On a dense input this
/// is slower than <see cref="ConvKernels"/>, and on a GPU it would serialise an image per thread: it is planned for
/// the CPU accelerator's first layer (<see cref="ConvOps.PrefersSparseInput"/>).
/// </summary>
public static class SparseInputConvKernels
{
    /// <summary>Output channels rounded up to a multiple of four: the scratch's row of one pixel.</summary>
    public static int PaddedChannels(ConvGeometry g) => (g.Cout + 3) / 4 * 4;

    /// <summary>Floats of the packed filter: [ci][kh][kw reversed][channel].</summary>
    public static int PackedWeightLength(ConvGeometry g) => g.Cin * g.KH * g.KW * PaddedChannels(g);

    /// <summary>Floats one thread's forward scratch takes: its packed filter, the bias as one pixel's row, and one image's output.</summary>
    public static int ForwardScratchLength(ConvGeometry g) => PackedWeightLength(g) + (1 + g.OH * g.OW) * PaddedChannels(g);

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
        int c4 = PaddedChannels(g), packedLength = PackedWeightLength(g), plane = g.OH * g.OW;
        fixed (float* xBase = &x[0])
        fixed (float* wBase = &w[0])
        fixed (float* bBase = &b[0])
        fixed (float* yBase = &y[0])
        fixed (int* amBase = &argmax[0])
        fixed (float* sBase = &scratch[0])
        {
            float* packed = sBase + thread * ForwardScratchLength(g);
            float* biasRow = packed + packedLength, acc = biasRow + c4;
            PackFilter(wBase, packed, g, c4);
            for (int co = 0; co < c4; co++) biasRow[co] = hasBias != 0 && co < g.Cout ? bBase[co] : 0f;
            // The output starts as the bias at every launch, and each store puts the bias back where it read: one pass per
            // image, not two.
            Reset(acc, biasRow, c4, 0, plane);
            for (int n = thread; n < grid.Tiles; n += grid.ThreadCount)
            {
                for (int ci = 0; ci < g.Cin; ci++)
                    ScatterPlane(xBase + (n * g.Cin + ci) * g.H * g.W, packed + ci * g.KH * g.KW * c4, acc, false, g, c4);
                if (pooled != 0) StorePooled(acc, biasRow, yBase, amBase, g, c4, n, relu);
                else StorePlain(acc, biasRow, yBase, g, c4, n, relu);
            }
        }
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
    /// For every non-zero pixel v of one input plane and every kernel row that reaches an output row: the run of
    /// output pixels it touches, times the run of taps. The forward adds v * taps into the outputs
    /// (<paramref name="intoFilter"/> false); the weight gradient adds v * output gradients into the taps
    /// (<paramref name="intoFilter"/> set: <paramref name="filter"/> holds the sums, <paramref name="output"/> the
    /// output gradient). Either way a run is (taps that fit) x c4 contiguous floats on both sides.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ScatterPlane(float* xPlane, float* filter, float* output, bool intoFilter, ConvGeometry g, int c4)
    {
        // The geometry in locals: the stores through raw pointers would otherwise make the JIT reload its fields.
        int h = g.H, w = g.W, kh = g.KH, kw = g.KW, oh = g.OH, ow = g.OW, pad = g.Pad;
        for (int r = 0; r < h; r++)
        {
            float* xr = xPlane + r * w;
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
                    float* o = output + (row * ow + ow0 + jLo) * c4;
                    float* f = filter + (k * kw + jLo) * c4;
                    if (intoFilter) Axpy(f, o, v, length);
                    else Axpy(o, f, v, length);
                }
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

    /// <summary>One image's output, through the ReLU when asked, into NCHW y; the scratch is left as the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void StorePlain(float* acc, float* biasRow, float* y, ConvGeometry g, int c4, int n, int relu)
    {
        int plane = g.OH * g.OW, cout = g.Cout;
        float* yp = y + n * cout * plane;
        for (int p = 0; p < plane; p++)
        {
            float* a = acc + p * c4;
            for (int co = 0; co < cout; co++)
            {
                float v = a[co];
                yp[co * plane + p] = relu != 0 ? MathF.Max(v, 0f) : v;
            }
        }
        Reset(acc, biasRow, c4, 0, plane);
    }

    /// <summary>
    /// The 2x2/2 max-pool of one image's output (through the ReLU when asked), as <see cref="PoolKernels.Forward"/>
    /// takes it, into y and argmax; the windows' pixels of the scratch are left as the bias.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void StorePooled(float* acc, float* biasRow, float* y, int* argmax, ConvGeometry g, int c4, int n, int relu)
    {
        int ow = g.OW, ph = g.OH / 2, pw = ow / 2, windows = ph * pw, cout = g.Cout;
        float* yp = y + n * cout * windows;
        int* ap = argmax + n * cout * windows;
        for (int i = 0; i < ph; i++)
        {
            for (int j = 0; j < pw; j++)
            {
                int p0 = 2 * i * ow + 2 * j, p2 = p0 + ow, at = i * pw + j;
                float* a0 = acc + p0 * c4;
                float* a2 = acc + p2 * c4;
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
                    yp[co * windows + at] = best;
                    ap[co * windows + at] = p0 + offset;
                }
                for (int co = 0; co < 2 * c4; co++)
                {
                    float bias = biasRow[co < c4 ? co : co - c4];
                    a0[co] = bias;
                    a2[co] = bias;
                }
            }
        }
        // The last row of an odd height and the last column of an odd width belong to no window: what gathers there is
        // never read, and the next launch starts from the bias again.
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
                    ScatterPlane(xBase + (n * g.Cin + ci) * g.H * g.W, sums + ci * g.KH * g.KW * c4, map, true, g, c4);
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
