using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// Batched NCHW convolution, forward and backward, register-blocked: each step of a thread computes a 4 x 4 block
/// (four channels by four pixels, or four channels by four taps) in sixteen scalar accumulators, from one
/// <see cref="Quad"/> of packed weights (or output gradients) and four pixels. At stride 1 the four pixels slide along
/// the row, so each tap loads one new pixel: five loads per sixteen multiply-adds, where a plain loop makes two per
/// one. Forward blocks that reach past an edge take a helper with bounds-checked loads; channels or pixels past the
/// end are computed and not stored. Each output element is written by exactly one thread: no atomics.
/// The loops read through raw pointers taken once per thread (<c>fixed</c> on the view's first element): on the CPU
/// accelerator an ArrayView access carries range asserts whose failure calls make the JIT keep the accumulators in
/// memory. Kernels are compiled fully optimized up front (<c>AggressiveOptimization</c>) because each runs once per
/// launch, where tiering would leave its loop in on-stack-replacement code. Every pointer offset is a non-negative
/// int (ILGPU's PTX backend widens offsets as unsigned). docs/performance.md has the measurements.
/// </summary>
public static class ConvKernels
{
    /// <summary>x[plane + ih, iw] of an h x w plane, or zero outside it (padding, or a block's tail past the edge).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe float Pixel(float* x, int plane, int ih, int iw, int h, int w) =>
        ih >= 0 && ih < h && iw >= 0 && iw < w ? x[(plane + ih) * w + iw] : 0f;

    /// <summary>
    /// Up to four consecutive values; <paramref name="room"/> says how many fit before the row ends. With
    /// <paramref name="relu"/> set, negatives are stored as zero: a ReLU fused into its producer.
    /// </summary>
    private static unsafe void Store(float* y, int at, int room, int relu, float v0, float v1, float v2, float v3)
    {
        if (relu != 0)
        {
            v0 = v0 > 0f ? v0 : 0f; v1 = v1 > 0f ? v1 : 0f; v2 = v2 > 0f ? v2 : 0f; v3 = v3 > 0f ? v3 : 0f;
        }
        y[at] = v0;
        if (room > 1) y[at + 1] = v1;
        if (room > 2) y[at + 2] = v2;
        if (room > 3) y[at + 3] = v3;
    }

    /// <summary>
    /// y[n,co,oh,ow] = b[co] + sum x[n,ci,oh*s-p+kh,ow*s-p+kw] * w[co,ci,kh,kw] (then max(0, y) when
    /// <paramref name="relu"/> is set), with w packed by <see cref="ConvPacking.Weights"/>; with <paramref name="pooled"/>
    /// set, the 2x2/2 max-pool of that output and its arg-max instead (see <c>Emit</c>). Tiles: planes (n, block of 4
    /// output channels) of OH x ceil(OW/4) blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(Index1D thread, ArrayView<float> x, ArrayView<Quad> wq, ArrayView<float> b,
        ArrayView<float> y, ArrayView<int> argmax, ConvGeometry g, TileGrid grid, int hasBias, int relu, int pooled)
    {
        // A coarse grid launches a few threads that stride over the tiles: on the CPU accelerator every
        // simulated thread costs microseconds (docs/performance.md), a GPU launches one per tile.
        for (int t = thread; t < grid.Tiles; t += grid.ThreadCount)
        {
            var tile = grid.At(t);
            int blocks = (g.Cout + 3) / 4;
            int n = tile.Plane / blocks, cb = tile.Plane - n * blocks, c0 = cb * 4;
            var bias = hasBias != 0 ? Quad.Gather(b, c0, 1, g.Cout - c0) : new Quad();
            int plane = g.OH * g.OW, wStep = blocks * 4, xLength = x.IntLength;
            fixed (float* xBase = &x[0])
            fixed (Quad* wBase = &wq[0])
            fixed (float* yBase = &y[0])
            fixed (int* amBase = &argmax[0])
            for (int oh = tile.Row0; oh < tile.Row1; oh++)
            {
                int ih0 = oh - g.Pad;
                bool rowsInside = ih0 >= 0 && ih0 + g.KH <= g.H;
                for (int blk = tile.Col0; blk < tile.Col1; blk++)
                {
                    int ow0 = blk * 4, iw0 = ow0 - g.Pad;
                    // A block whose last columns lie past the output's row end reads past the input row's end: harmless,
                    // since only those columns see it and they are not stored, as long as the reads stay in the buffer.
                    if (g.Stride != 1 || !rowsInside || iw0 < 0 || (iw0 + 3 + g.KW > g.W && ((n * g.Cin + g.Cin) * g.H - 1) * g.W + iw0 + 2 + g.KW >= xLength))
                    {
                        ForwardEdgeBlock(xBase, (float*)wBase, yBase, amBase, g, n, cb, oh, ow0, bias, relu, pooled);
                        continue;
                    }
                    // The hot loop holds only its own loads and sixteen accumulators; edge blocks and stores live in helpers
                    // to keep it small.
                    float a00 = bias.A, a01 = bias.A, a02 = bias.A, a03 = bias.A, a10 = bias.B, a11 = bias.B, a12 = bias.B, a13 = bias.B;
                    float a20 = bias.C, a21 = bias.C, a22 = bias.C, a23 = bias.C, a30 = bias.D, a31 = bias.D, a32 = bias.D, a33 = bias.D;
                    for (int ci = 0; ci < g.Cin; ci++)
                    {
                        int xPlane = (n * g.Cin + ci) * g.H;
                        for (int kh = 0; kh < g.KH; kh++)
                        {
                            float* wp = (float*)wBase + ((ci * g.KH + kh) * g.KW * blocks + cb) * 4;
                            float* xr = xBase + ((xPlane + ih0 + kh) * g.W + iw0);
                            float x0 = xr[0], x1 = xr[1], x2 = xr[2];
                            for (int kw = 0; kw < g.KW; kw++)
                            {
                                float x3 = xr[kw + 3];
                                var q = Quad.At(wp);
                                wp += wStep;
                                a00 += q.A * x0; a01 += q.A * x1; a02 += q.A * x2; a03 += q.A * x3;
                                a10 += q.B * x0; a11 += q.B * x1; a12 += q.B * x2; a13 += q.B * x3;
                                a20 += q.C * x0; a21 += q.C * x1; a22 += q.C * x2; a23 += q.C * x3;
                                a30 += q.D * x0; a31 += q.D * x1; a32 += q.D * x2; a33 += q.D * x3;
                                x0 = x1; x1 = x2; x2 = x3;
                            }
                        }
                    }
                    Emit(yBase, amBase, g, n, c0, oh, ow0, relu, pooled, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
                }
            }
        }
    }

    /// <summary>A forward block that reaches past an edge or strides: every pixel load checked.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void ForwardEdgeBlock(float* x, float* wq, float* y, int* argmax, ConvGeometry g,
        int n, int cb, int oh, int ow0, Quad bias, int relu, int pooled)
    {
        int blocks = (g.Cout + 3) / 4, s = g.Stride;
        int ih0 = oh * s - g.Pad, iw0 = ow0 * s - g.Pad;
        float a00 = bias.A, a01 = bias.A, a02 = bias.A, a03 = bias.A, a10 = bias.B, a11 = bias.B, a12 = bias.B, a13 = bias.B;
        float a20 = bias.C, a21 = bias.C, a22 = bias.C, a23 = bias.C, a30 = bias.D, a31 = bias.D, a32 = bias.D, a33 = bias.D;
        for (int ci = 0; ci < g.Cin; ci++)
        {
            int xPlane = (n * g.Cin + ci) * g.H;
            for (int kh = 0; kh < g.KH; kh++)
            {
                int wAt = (ci * g.KH + kh) * g.KW * blocks + cb;
                for (int kw = 0; kw < g.KW; kw++)
                {
                    float x0 = Pixel(x, xPlane, ih0 + kh, iw0 + kw, g.H, g.W);
                    float x1 = Pixel(x, xPlane, ih0 + kh, iw0 + s + kw, g.H, g.W);
                    float x2 = Pixel(x, xPlane, ih0 + kh, iw0 + 2 * s + kw, g.H, g.W);
                    float x3 = Pixel(x, xPlane, ih0 + kh, iw0 + 3 * s + kw, g.H, g.W);
                    var q = Quad.At(wq + (wAt + kw * blocks) * 4);
                    a00 += q.A * x0; a01 += q.A * x1; a02 += q.A * x2; a03 += q.A * x3;
                    a10 += q.B * x0; a11 += q.B * x1; a12 += q.B * x2; a13 += q.B * x3;
                    a20 += q.C * x0; a21 += q.C * x1; a22 += q.C * x2; a23 += q.C * x3;
                    a30 += q.D * x0; a31 += q.D * x1; a32 += q.D * x2; a33 += q.D * x3;
                }
            }
        }
        Emit(y, argmax, g, n, cb * 4, oh, ow0, relu, pooled, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
    }

    /// <summary>
    /// A forward block of four channels from <paramref name="c0"/> by four pixels of row <paramref name="oh"/> from
    /// <paramref name="ow0"/>: stored into y, or with <paramref name="pooled"/> set, folded into the 2x2/2 max-pool of
    /// the output: y and <paramref name="argmax"/> are then the pool's output and arg-max (the index in the
    /// convolution's output plane, first maximum on ties in the window's row-major order, as
    /// <see cref="PoolKernels.Forward"/>). An even row writes its pairs' maxima, the odd row after it replaces those it
    /// beats, so a tile must hold both rows of a window; the last row of an odd height and the last column of an odd
    /// width belong to no window.
    /// </summary>
    // Optimized from the first call, like the kernels: run as unoptimized code, its selects are calls.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Emit(float* y, int* argmax, ConvGeometry g, int n, int c0, int oh, int ow0, int relu, int pooled,
        float a00, float a01, float a02, float a03, float a10, float a11, float a12, float a13,
        float a20, float a21, float a22, float a23, float a30, float a31, float a32, float a33)
    {
        int rows = g.Cout - c0;
        if (pooled == 0)
        {
            StoreBlock(y, ((n * g.Cout + c0) * g.OH + oh) * g.OW + ow0, g.OH * g.OW, g.OW - ow0, rows, relu,
                a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
            return;
        }
        int ph = oh >> 1, pw = ow0 >> 1, pooledH = g.OH / 2, pooledW = g.OW / 2;
        if (ph >= pooledH) return;
        int plane = pooledH * pooledW, at = ((n * g.Cout + c0) * pooledH + ph) * pooledW + pw, col = oh * g.OW + ow0;
        bool first = (oh & 1) == 0, second = pw + 1 < pooledW;
        if (pw >= pooledW) return;
        PoolPair(y, argmax, at, col, first, relu, a00, a01);
        if (second) PoolPair(y, argmax, at + 1, col + 2, first, relu, a02, a03);
        if (rows > 1)
        {
            PoolPair(y, argmax, at + plane, col, first, relu, a10, a11);
            if (second) PoolPair(y, argmax, at + plane + 1, col + 2, first, relu, a12, a13);
        }
        if (rows > 2)
        {
            PoolPair(y, argmax, at + 2 * plane, col, first, relu, a20, a21);
            if (second) PoolPair(y, argmax, at + 2 * plane + 1, col + 2, first, relu, a22, a23);
        }
        if (rows > 3)
        {
            PoolPair(y, argmax, at + 3 * plane, col, first, relu, a30, a31);
            if (second) PoolPair(y, argmax, at + 3 * plane + 1, col + 2, first, relu, a32, a33);
        }
    }

    /// <summary>Two neighbours of one window row: the window's first row writes their maximum, its second replaces a smaller one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PoolPair(float* y, int* argmax, int at, int col, bool first, int relu, float v0, float v1)
    {
        // Selects rather than branches: on dense random data the comparisons go either way.
        if (relu != 0)
        {
            v0 = MathF.Max(v0, 0f);
            v1 = MathF.Max(v1, 0f);
        }
        int arg = v1 > v0 ? col + 1 : col;
        float best = MathF.Max(v0, v1);
        float old = first ? best : y[at];
        int oldArg = first ? arg : argmax[at];
        bool wins = first || best > old;
        y[at] = MathF.Max(best, old);
        argmax[at] = wins ? arg : oldArg;
    }

    /// <summary>
    /// A 4 x 4 block: four rows <paramref name="rowStride"/> apart of four consecutive values, clipped to the
    /// <paramref name="room"/> values left in a row and the <paramref name="rows"/> rows that exist.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static unsafe void StoreBlock(float* y, int at, int rowStride, int room, int rows, int relu,
        float a00, float a01, float a02, float a03, float a10, float a11, float a12, float a13,
        float a20, float a21, float a22, float a23, float a30, float a31, float a32, float a33)
    {
        Store(y, at, room, relu, a00, a01, a02, a03);
        if (rows > 1) Store(y, at + rowStride, room, relu, a10, a11, a12, a13);
        if (rows > 2) Store(y, at + 2 * rowStride, room, relu, a20, a21, a22, a23);
        if (rows > 3) Store(y, at + 3 * rowStride, room, relu, a30, a31, a32, a33);
    }

    /// <summary>
    /// dx[n,ci,ih,iw] = sum over co, kh, kw of dy[n,co,ih+p-kh,iw+p-kw] * w[co,ci,kh,kw] at stride 1: a plain correlation
    /// of the zero-padded output gradient with the flipped kernel, both prepared in one launch by
    /// <see cref="ConvPacking.InputGradientOperands"/>, so every block slides along its row with no edge cases. Tiles: planes
    /// (n, block of 4 input channels) of H x ceil(W/4) blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void BackwardInput(Index1D thread, ArrayView<float> dyPadded, ArrayView<Quad> wq, ArrayView<float> dx,
        ConvGeometry g, TileGrid grid)
    {
        // A coarse grid launches a few threads that stride over the tiles: on the CPU accelerator every
        // simulated thread costs microseconds (docs/performance.md), a GPU launches one per tile.
        for (int t = thread; t < grid.Tiles; t += grid.ThreadCount)
        {
            var tile = grid.At(t);
            int blocks = (g.Cin + 3) / 4, wStep = blocks * 4;
            int n = tile.Plane / blocks, cb = tile.Plane - n * blocks, c0 = cb * 4;
            int ph = g.PaddedHeight, pw = g.PaddedWidth, top = g.KH - 1 - g.Pad, left = g.KW - 1 - g.Pad;
            fixed (float* dyBase = &dyPadded[0])
            fixed (Quad* wBase = &wq[0])
            fixed (float* dxBase = &dx[0])
            for (int ih = tile.Row0; ih < tile.Row1; ih++)
            {
                // Only the taps that meet the real output gradient, not its zero border: rows top..top+OH-1 of the padded
                // plane, and for a block, columns whose four-pixel window reaches left..left+OW-1. At 5x5 on 21x21 this
                // skips a third of the multiply-adds, all of them by zero.
                int khLo = Math.Max(0, top - ih), khHi = Math.Min(g.KH, top + g.OH - ih);
                for (int blk = tile.Col0; blk < tile.Col1; blk++)
                {
                    int iw0 = blk * 4;
                    int kwLo = Math.Max(0, left - iw0 - 3), kwHi = Math.Min(g.KW, left + g.OW - iw0);
                    float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
                    float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f;
                    for (int co = 0; co < g.Cout; co++)
                    {
                        int dyPlane = (n * g.Cout + co) * ph;
                        for (int kh = khLo; kh < khHi; kh++)
                        {
                            // Flipped tap (kh, kw) meets padded row ih + kh, columns iw0 + kw .. iw0 + kw + 3.
                            float* wp = (float*)wBase + (((co * g.KH + kh) * g.KW + kwLo) * blocks + cb) * 4;
                            float* r = dyBase + ((dyPlane + ih + kh) * pw + iw0 + kwLo);
                            float d0 = r[0], d1 = r[1], d2 = r[2];
                            for (int kw = 0; kw < kwHi - kwLo; kw++)
                            {
                                float d3 = r[kw + 3];
                                var q = Quad.At(wp);
                                wp += wStep;
                                a00 += q.A * d0; a01 += q.A * d1; a02 += q.A * d2; a03 += q.A * d3;
                                a10 += q.B * d0; a11 += q.B * d1; a12 += q.B * d2; a13 += q.B * d3;
                                a20 += q.C * d0; a21 += q.C * d1; a22 += q.C * d2; a23 += q.C * d3;
                                a30 += q.D * d0; a31 += q.D * d1; a32 += q.D * d2; a33 += q.D * d3;
                                d0 = d1; d1 = d2; d2 = d3;
                            }
                        }
                    }
                    StoreBlock(dxBase, ((n * g.Cin + c0) * g.H + ih) * g.W + iw0, g.H * g.W, g.W - iw0, g.Cin - c0, 0,
                        a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
                }
            }
        }
    }

    /// <summary>
    /// dx for any stride: a gather with a register accumulator, one input pixel at a time. Tiles: planes (n,ci) of H x W.
    /// Strided convolutions (and padding of a kernel size or more) use it; the rest take <see cref="BackwardInput"/>.
    /// </summary>
    public static void BackwardInputStrided(Index1D thread, ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx,
        ConvGeometry g, TileGrid grid)
    {
        // A coarse grid launches a few threads that stride over the tiles: on the CPU accelerator every
        // simulated thread costs microseconds (docs/performance.md), a GPU launches one per tile.
        for (int t = thread; t < grid.Tiles; t += grid.ThreadCount)
        {
            var tile = grid.At(t);
            int n = tile.Plane / g.Cin, ci = tile.Plane - n * g.Cin;
            for (int ih = tile.Row0; ih < tile.Row1; ih++)
            {
                // Taps kh with (ih + pad - kh) = oh * stride, 0 <= oh < OH: start at the residue and step by the stride.
                int th = ih + g.Pad;
                int khFirst = th - (g.OH - 1) * g.Stride > 0 ? th - (g.OH - 1) * g.Stride : 0;
                khFirst += (th - khFirst) % g.Stride;
                int khLast = th < g.KH - 1 ? th : g.KH - 1;
                for (int iw = tile.Col0; iw < tile.Col1; iw++)
                {
                    int tw = iw + g.Pad;
                    int kwFirst = tw - (g.OW - 1) * g.Stride > 0 ? tw - (g.OW - 1) * g.Stride : 0;
                    kwFirst += (tw - kwFirst) % g.Stride;
                    int kwLast = tw < g.KW - 1 ? tw : g.KW - 1;
                    float acc = 0f;
                    for (int co = 0; co < g.Cout; co++)
                    {
                        int dyPlane = (n * g.Cout + co) * g.OH;
                        int wPlane = (co * g.Cin + ci) * g.KH;
                        for (int kh = khFirst; kh <= khLast; kh += g.Stride)
                        {
                            int dyRow = (dyPlane + (th - kh) / g.Stride) * g.OW;
                            int wRow = (wPlane + kh) * g.KW;
                            for (int kw = kwFirst; kw <= kwLast; kw += g.Stride)
                                acc += dy[dyRow + (tw - kw) / g.Stride] * w[wRow + kw];
                        }
                    }
                    dx[((n * g.Cin + ci) * g.H + ih) * g.W + iw] = acc;
                }
            }
        }
    }

    /// <summary>
    /// dw[co,ci,kh,kw] = sum over the batch and output positions of dy[n,co,oh,ow] * x[n,ci,oh*s-p+kh,ow*s-p+kw], with
    /// dy packed and compacted by <see cref="ConvPacking.OutputGradient"/>: only pixels with a non-zero gradient are
    /// visited. A block is four output channels by four consecutive entries j = (ci, kh, kw) of a filter, flattened, so
    /// a 5x5 filter wastes 3 of 28 slots and a 3x3 one over 16 channels none (blocks of four taps along a kernel row
    /// wasted 3 of 8 and 1 of 4). The four pixels sit at fixed offsets from each other, one load each. With
    /// <paramref name="hasBias"/>, db[co] = sum of dy is summed in the same launch by the first tile of each output
    /// block. Tiles: planes (block of 4 output channels) of ceil(Cin*KH*KW/4) x 1 blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void BackwardWeights(Index1D thread, ArrayView<float> x, ArrayView<Quad> dq, ArrayView<int> at,
        ArrayView<int> count, ArrayView<float> dw, ArrayView<float> db, ConvGeometry g, TileGrid grid, int hasBias)
    {
        // A coarse grid launches a few threads that stride over the tiles: on the CPU accelerator every
        // simulated thread costs microseconds (docs/performance.md), a GPU launches one per tile.
        for (int t = thread; t < grid.Tiles; t += grid.ThreadCount)
        {
            var tile = grid.At(t);
            int blocks = (g.Cout + 3) / 4;
            int cb = tile.Plane, c0 = cb * 4;
            int s = g.Stride, plane = g.OH * g.OW, entries = g.Cin * g.KH * g.KW;
            fixed (float* xBase = &x[0])
            fixed (Quad* dBase = &dq[0])
            fixed (int* atBase = &at[0])
            fixed (int* countBase = &count[0])
            fixed (float* dwBase = &dw[0])
            {
                // The bias gradient rides along, saving a launch: the first tile of each output block sums its compacted dy.
                if (hasBias != 0 && tile.Row0 == 0)
                {
                    float b0 = 0f, b1 = 0f, b2 = 0f, b3 = 0f;
                    for (int n = 0; n < g.N; n++)
                    {
                        int pl = n * blocks + cb, found = countBase[pl];
                        float* dp = (float*)dBase + pl * plane * 4;
                        for (int k = 0; k < found; k++, dp += 4)
                        {
                            b0 += dp[0]; b1 += dp[1]; b2 += dp[2]; b3 += dp[3];
                        }
                    }
                    db[c0] = b0;
                    if (c0 + 1 < g.Cout) db[c0 + 1] = b1;
                    if (c0 + 2 < g.Cout) db[c0 + 2] = b2;
                    if (c0 + 3 < g.Cout) db[c0 + 3] = b3;
                }
                for (int jb = tile.Row0; jb < tile.Row1; jb++)
                {
                    int j0 = jb * 4;
                    var e = FilterEntries.At(j0, g);
                    float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
                    float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f;
                    for (int n = 0; n < g.N; n++)
                    {
                        int xImage = n * g.Cin * g.H;
                        int pl = n * blocks + cb, found = countBase[pl];
                        int* list = atBase + pl * plane;
                        float* dp = (float*)dBase + pl * plane * 4;
                        for (int k = 0; k < found; k++, dp += 4)
                        {
                            int pos = list[k], ih = (pos >> 16) * s - g.Pad, iw = (pos & 0xFFFF) * s - g.Pad;
                            float x0, x1, x2, x3;
                            if ((uint)(ih - e.LowH) < (uint)e.SpanH && (uint)(iw - e.LowW) < (uint)e.SpanW)
                            {
                                float* xr = xBase + ((xImage + ih) * g.W + iw + e.Shift);
                                x0 = xr[e.O0]; x1 = xr[e.O1]; x2 = xr[e.O2]; x3 = xr[e.O3];
                            }
                            else
                            {
                                var q = EdgeEntries(xBase, xImage, ih, iw, e, g);
                                x0 = q.A; x1 = q.B; x2 = q.C; x3 = q.D;
                            }
                            var d = Quad.At(dp);
                            a00 += d.A * x0; a01 += d.A * x1; a02 += d.A * x2; a03 += d.A * x3;
                            a10 += d.B * x0; a11 += d.B * x1; a12 += d.B * x2; a13 += d.B * x3;
                            a20 += d.C * x0; a21 += d.C * x1; a22 += d.C * x2; a23 += d.C * x3;
                            a30 += d.D * x0; a31 += d.D * x1; a32 += d.D * x2; a33 += d.D * x3;
                        }
                    }
                    StoreBlock(dwBase, c0 * entries + j0, entries, entries - j0, g.Cout - c0, 0,
                        a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
                }
            }
        }
    }

    /// <summary>
    /// The four entries' pixels for a position where some lie in the padding (zero there). Inlined: a call inside the
    /// loop would make the JIT keep the sixteen accumulators in memory (every xmm register is caller-saved).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Quad EdgeEntries(float* x, int xImage, int ih, int iw, FilterEntries e, ConvGeometry g) => new(
        Pixel(x, xImage + e.Ci0 * g.H, ih + e.Kh0, iw + e.Kw0, g.H, g.W),
        Pixel(x, xImage + e.Ci1 * g.H, ih + e.Kh1, iw + e.Kw1, g.H, g.W),
        Pixel(x, xImage + e.Ci2 * g.H, ih + e.Kh2, iw + e.Kw2, g.H, g.W),
        Pixel(x, xImage + e.Ci3 * g.H, ih + e.Kh3, iw + e.Kw3, g.H, g.W));
}
