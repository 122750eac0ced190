using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// The weight and bias gradients of a convolution whose output goes through a max-pool with disjoint windows (kernel
/// = stride), read straight from the pool's output gradient. Only each window's arg-max pixel has a gradient, so the
/// convolution's dense output gradient is never made: no clearing, no scatter, no compaction, one launch instead of
/// four, and a quarter of the pixels visited (2x2 windows). For a first layer, which needs no input gradient, this is
/// all its backward. A ReLU between the two is masked as the pool's backward masks it: a window whose pooled output is
/// not positive passes nothing. Each thread owns a block of filter entries of one output channel (three kernel rows by
/// four columns, in twelve accumulators, so a 3x3 filter is one block) or one channel's bias, and writes it once: no
/// atomics.
/// </summary>
public static class PooledConvGradientKernels
{
    /// <summary>Threads: Cout x (Cin x ceil(KH/3) x ceil(KW/4) blocks + 1 bias).</summary>
    public static int ThreadCount(ConvGeometry g) => g.Cout * (BlocksPerChannel(g) + 1);

    private static int BlocksPerChannel(ConvGeometry g) => g.Cin * ((g.KH + 2) / 3) * ((g.KW + 3) / 4);

    /// <summary>
    /// dw[co, ci, kh, kw] = sum over n and windows w of dy[n, co, w] * x[n, ci, oh*s - p + kh, ow*s - p + kw], where
    /// (oh, ow) is the window's arg-max in the convolution's output and dy the pool's output gradient (zero where
    /// <paramref name="reluMask"/> is set and the pool's output y is not positive); db[co] = the sum of those dy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void WeightGradient(Index1D thread, ArrayView<float> x, ArrayView<float> dy, ArrayView<int> argmax,
        ArrayView<float> y, ArrayView<float> dw, ArrayView<float> db, ConvGeometry g, PoolGeometry p, int reluMask, int hasBias)
    {
        int blocks = BlocksPerChannel(g), perChannel = blocks + 1;
        if (thread >= g.Cout * perChannel) return;
        int co = thread / perChannel, j = thread - co * perChannel;
        int rowBlocks = (g.KH + 2) / 3, colBlocks = (g.KW + 3) / 4;
        int ci = j / (rowBlocks * colBlocks), rest = j - ci * rowBlocks * colBlocks;
        int kh0 = rest / colBlocks * 3, kw0 = (rest - rest / colBlocks * colBlocks) * 4;
        int windows = p.OH * p.OW, s = g.Stride, entries = g.Cin * g.KH * g.KW;
        fixed (float* xBase = &x[0])
        fixed (float* dyBase = &dy[0])
        fixed (int* amBase = &argmax[0])
        fixed (float* yBase = &y[0])
        fixed (float* dwBase = &dw[0])
        {
            if (j == blocks)
            {
                if (hasBias != 0) db[co] = BiasGradient(dyBase, yBase, g.N, g.Cout, co, windows, reluMask);
                return;
            }
            float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
            float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f;
            for (int n = 0; n < g.N; n++)
            {
                int first = (n * g.Cout + co) * windows, xPlane = (n * g.Cin + ci) * g.H;
                for (int w = first; w < first + windows; w++)
                {
                    float d = dyBase[w];
                    if (d != 0f && PoolKernels.Passes(reluMask, yBase[w]))
                    {
                        int at = amBase[w], oh = at / g.OW, ow = at - oh * g.OW;
                        int ih = oh * s - g.Pad + kh0, iw = ow * s - g.Pad + kw0;
                        var r0 = Pixels(xBase, xPlane, ih, iw, g.H, g.W);
                        var r1 = Pixels(xBase, xPlane, ih + 1, iw, g.H, g.W);
                        var r2 = Pixels(xBase, xPlane, ih + 2, iw, g.H, g.W);
                        a00 += d * r0.A; a01 += d * r0.B; a02 += d * r0.C; a03 += d * r0.D;
                        a10 += d * r1.A; a11 += d * r1.B; a12 += d * r1.C; a13 += d * r1.D;
                        a20 += d * r2.A; a21 += d * r2.B; a22 += d * r2.C; a23 += d * r2.D;
                    }
                }
            }
            // Rows and columns past the filter's edge were computed from whatever lay there and are not stored.
            float* row = dwBase + co * entries + (ci * g.KH + kh0) * g.KW + kw0;
            int room = g.KW - kw0;
            StoreRow(row, room, a00, a01, a02, a03);
            if (kh0 + 1 < g.KH) StoreRow(row + g.KW, room, a10, a11, a12, a13);
            if (kh0 + 2 < g.KH) StoreRow(row + 2 * g.KW, room, a20, a21, a22, a23);
        }
    }

    /// <summary>x[plane + ih, iw .. iw + 3], zero outside the plane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Quad Pixels(float* x, int plane, int ih, int iw, int h, int w) =>
        ih >= 0 && ih < h && iw >= 0 && iw + 3 < w
            ? Quad.At(x + (plane + ih) * w + iw)
            : new Quad(ConvKernels.Pixel(x, plane, ih, iw, h, w), ConvKernels.Pixel(x, plane, ih, iw + 1, h, w),
                ConvKernels.Pixel(x, plane, ih, iw + 2, h, w), ConvKernels.Pixel(x, plane, ih, iw + 3, h, w));

    private static unsafe void StoreRow(float* row, int room, float v0, float v1, float v2, float v3)
    {
        row[0] = v0;
        if (room > 1) row[1] = v1;
        if (room > 2) row[2] = v2;
        if (room > 3) row[3] = v3;
    }

    /// <summary>The sum of channel <paramref name="co"/>'s pooled gradient over the batch, masked as the weights' is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float BiasGradient(float* dy, float* y, int images, int channels, int co, int windows, int reluMask)
    {
        float sum = 0f;
        for (int n = 0; n < images; n++)
        {
            int first = (n * channels + co) * windows;
            for (int w = first; w < first + windows; w++)
                if (PoolKernels.Passes(reluMask, y[w])) sum += dy[w];
        }
        return sum;
    }

    /// <summary>Jobs of <see cref="InputGradient"/>: one per image and block of four input channels, the planes of its grid.</summary>
    public static int InputGradientJobs(ConvGeometry g) => g.N * (g.Cin / 4);

    /// <summary>
    /// dx[n, ci, ih, iw] = sum over co and windows w of dy[n, co, w] * w[co, ci, ih - oh*s + p, iw - ow*s + p], with
    /// (oh, ow) the window's arg-max and dy the pool's output gradient masked as in <see cref="WeightGradient"/>: a
    /// scatter from the arg-max pixels, which are at most a quarter of the convolution's output (2x2 windows), where the
    /// dense formulation gathers over every output pixel, zeros included. Each thread owns four input channels of one
    /// image (so Cin must be a multiple of four), clears them, and adds each window's contribution to them in turn: no
    /// atomics.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient(Index1D thread, ArrayView<float> weights, ArrayView<float> dy, ArrayView<int> argmax,
        ArrayView<float> y, ArrayView<float> dx, ConvGeometry g, PoolGeometry p, int reluMask, TileGrid grid)
    {
        // Tiles are whole jobs (1 x 1 planes); threads stride over them as over any grid.
        for (int t = thread; t < grid.Tiles; t += grid.ThreadCount)
            InputGradientJob(grid.At(t).Plane, weights, dy, argmax, y, dx, g, p, reluMask);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InputGradientJob(int job, ArrayView<float> weights, ArrayView<float> dy, ArrayView<int> argmax,
        ArrayView<float> y, ArrayView<float> dx, ConvGeometry g, PoolGeometry p, int reluMask)
    {
        int blocks = g.Cin / 4;
        int n = job / blocks, c0 = (job - n * blocks) * 4;
        int plane = g.H * g.W, taps = g.KH * g.KW, windows = p.OH * p.OW, s = g.Stride;
        fixed (float* wBase = &weights[0])
        fixed (float* dyBase = &dy[0])
        fixed (int* amBase = &argmax[0])
        fixed (float* yBase = &y[0])
        fixed (float* dxBase = &dx[0])
        {
            float* x0 = dxBase + (n * g.Cin + c0) * plane;
            float* x1 = x0 + plane;
            float* x2 = x1 + plane;
            float* x3 = x2 + plane;
            for (int i = 0; i < 4 * plane; i++) x0[i] = 0f;
            for (int co = 0; co < g.Cout; co++)
            {
                float* w0 = wBase + (co * g.Cin + c0) * taps;
                int first = (n * g.Cout + co) * windows;
                for (int win = first; win < first + windows; win++)
                {
                    float d = dyBase[win];
                    if (d == 0f || !PoolKernels.Passes(reluMask, yBase[win])) continue;
                    int at = amBase[win], oh = at / g.OW, ow = at - oh * g.OW;
                    int ih0 = oh * s - g.Pad, iw0 = ow * s - g.Pad;
                    for (int kh = 0; kh < g.KH; kh++)
                    {
                        int ih = ih0 + kh;
                        if (ih < 0 || ih >= g.H) continue;
                        for (int kw = 0; kw < g.KW; kw++)
                        {
                            int iw = iw0 + kw;
                            if (iw < 0 || iw >= g.W) continue;
                            int o = ih * g.W + iw, t = kh * g.KW + kw;
                            x0[o] += d * w0[t];
                            x1[o] += d * w0[taps + t];
                            x2[o] += d * w0[2 * taps + t];
                            x3[o] += d * w0[3 * taps + t];
                        }
                    }
                }
            }
        }
    }
}
