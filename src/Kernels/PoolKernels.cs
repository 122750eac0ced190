using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// Batched NCHW max-pooling. Forward records the arg-max; backward routes each gradient to it. Raw pointers in the
/// loops, as in <see cref="ConvKernels"/>.
/// </summary>
public static class PoolKernels
{
    /// <summary>Tiles: planes (n,c) of OH x OW. argmax holds the winner's index inside its input plane (first max on ties).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(Index1D thread, ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax,
        PoolGeometry g, TileGrid grid)
    {
        // A coarse grid launches a few threads that stride over the tiles: on the CPU accelerator every
        // simulated thread costs microseconds (docs/performance.md), a GPU launches one per tile.
        for (int t = thread; t < grid.Tiles; t += grid.ThreadCount)
        {
            var tile = grid.At(t);
            int xPlane = tile.Plane * g.H * g.W;
            int yPlane = tile.Plane * g.OH * g.OW;
            fixed (float* xBase = &x[0])
            fixed (float* yp = &y[0])
            fixed (int* ap = &argmax[0])
            for (int oh = tile.Row0; oh < tile.Row1; oh++)
            {
                if (g.K == 2 && g.Stride == 2)
                {
                    // The usual 2x2/2 window, written out: the general loops cost more than the four compares.
                    float* top = xBase + xPlane + 2 * oh * g.W, bottom = top + g.W;
                    for (int ow = tile.Col0; ow < tile.Col1; ow++)
                    {
                        int c = 2 * ow, best = 2 * oh * g.W + c;
                        float bestValue = top[c], v = top[c + 1];
                        if (v > bestValue) { bestValue = v; best = 2 * oh * g.W + c + 1; }
                        v = bottom[c];
                        if (v > bestValue) { bestValue = v; best = (2 * oh + 1) * g.W + c; }
                        v = bottom[c + 1];
                        if (v > bestValue) { bestValue = v; best = (2 * oh + 1) * g.W + c + 1; }
                        yp[yPlane + oh * g.OW + ow] = bestValue;
                        ap[yPlane + oh * g.OW + ow] = best;
                    }
                    continue;
                }
                for (int ow = tile.Col0; ow < tile.Col1; ow++)
                {
                    int ih0 = oh * g.Stride, iw0 = ow * g.Stride;
                    int best = ih0 * g.W + iw0;
                    float* xp = xBase + xPlane;
                    float bestValue = xp[best];
                    for (int kh = 0; kh < g.K; kh++)
                    {
                        int row = (ih0 + kh) * g.W;
                        for (int kw = 0; kw < g.K; kw++)
                        {
                            int at = row + iw0 + kw;
                            float v = xp[at];
                            if (v > bestValue) { bestValue = v; best = at; }
                        }
                    }
                    yp[yPlane + oh * g.OW + ow] = bestValue;
                    ap[yPlane + oh * g.OW + ow] = best;
                }
            }
        }
    }

    /// <summary>
    /// dx[i] = sum of dy over the windows whose arg-max is i. With <paramref name="reluMask"/> set, a window whose
    /// output y is not positive passes no gradient: the backward of a ReLU just before the pool, fused here (the pool of
    /// a ReLU's output is positive exactly where the ReLU passed its arg-max). Tiles: planes (n,c) of H x W.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Backward(Index1D thread, ArrayView<float> dy, ArrayView<int> argmax, ArrayView<float> y,
        ArrayView<float> dx, PoolGeometry g, TileGrid grid, int reluMask)
    {
        // A coarse grid launches a few threads that stride over the tiles: on the CPU accelerator every
        // simulated thread costs microseconds (docs/performance.md), a GPU launches one per tile.
        for (int t = thread; t < grid.Tiles; t += grid.ThreadCount)
        {
            var tile = grid.At(t);
            int xPlane = tile.Plane * g.H * g.W;
            int yPlane = tile.Plane * g.OH * g.OW;
            fixed (float* dyp = &dy[0])
            fixed (int* ap = &argmax[0])
            fixed (float* yp = &y[0])
            fixed (float* dxp = &dx[0])
            for (int ih = tile.Row0; ih < tile.Row1; ih++)
            {
                // Windows oh with oh*s <= ih < oh*s + K.
                int ohFirst = ih - g.K + 1 <= 0 ? 0 : (ih - g.K + g.Stride) / g.Stride;
                int ohLast = ih / g.Stride < g.OH - 1 ? ih / g.Stride : g.OH - 1;
                for (int iw = tile.Col0; iw < tile.Col1; iw++)
                {
                    int owFirst = iw - g.K + 1 <= 0 ? 0 : (iw - g.K + g.Stride) / g.Stride;
                    int owLast = iw / g.Stride < g.OW - 1 ? iw / g.Stride : g.OW - 1;
                    int self = ih * g.W + iw;
                    float acc = 0f;
                    for (int oh = ohFirst; oh <= ohLast; oh++)
                        for (int ow = owFirst; ow <= owLast; ow++)
                        {
                            int at = yPlane + oh * g.OW + ow;
                            if (ap[at] == self && Passes(reluMask, yp[at])) acc += dyp[at];
                        }
                    dxp[xPlane + self] = acc;
                }
            }
        }
    }

    /// <summary>Whether a window passes its gradient: always, or with a fused ReLU only where its output is positive.</summary>
    internal static bool Passes(int reluMask, float y) => reluMask == 0 || y > 0f;

    /// <summary>
    /// Backward for windows that do not overlap (kernel = stride, the usual 2x2/2): each window's gradient goes to its
    /// arg-max, one write per window, into a dx cleared beforehand (the cells no window covers stay zero);
    /// <paramref name="reluMask"/> as in <see cref="Backward"/>. Tiles: planes (n,c) of OH x OW.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void BackwardDisjoint(Index1D thread, ArrayView<float> dy, ArrayView<int> argmax, ArrayView<float> y,
        ArrayView<float> dx, PoolGeometry g, TileGrid grid, int reluMask)
    {
        // A coarse grid launches a few threads that stride over the tiles: on the CPU accelerator every
        // simulated thread costs microseconds (docs/performance.md), a GPU launches one per tile.
        for (int t = thread; t < grid.Tiles; t += grid.ThreadCount)
        {
            var tile = grid.At(t);
            int xPlane = tile.Plane * g.H * g.W;
            int yPlane = tile.Plane * g.OH * g.OW;
            fixed (float* dyp = &dy[0])
            fixed (int* ap = &argmax[0])
            fixed (float* yp = &y[0])
            fixed (float* dxp = &dx[0])
            for (int oh = tile.Row0; oh < tile.Row1; oh++)
            for (int ow = tile.Col0; ow < tile.Col1; ow++)
            {
                int at = yPlane + oh * g.OW + ow;
                dxp[xPlane + ap[at]] = Passes(reluMask, yp[at]) ? dyp[at] : 0f;
            }
        }
    }
}


public sealed class PoolOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, PoolGeometry, TileGrid> forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, PoolGeometry, TileGrid, int> backward, backwardDisjoint;

    internal PoolOps(ComputeDevice device)
    {
        this.device = device;
        forward = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, PoolGeometry, TileGrid>(PoolKernels.Forward);
        backward = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, PoolGeometry, TileGrid, int>(PoolKernels.Backward);
        backwardDisjoint = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, PoolGeometry, TileGrid, int>(PoolKernels.BackwardDisjoint);
    }

    public void Forward(ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax, PoolGeometry g)
    {
        var grid = TileGrid.For(device.WorkShape, g.N * g.C, g.OH, g.OW, device.Processors);
        forward(device.Launch(), grid.ThreadCount, x, y, argmax, g, grid);
    }

    /// <param name="reluOutput">The pool's own output, when a ReLU just before the pool has its backward fused here.</param>
    public void Backward(ArrayView<float> dy, ArrayView<int> argmax, ArrayView<float> dx, PoolGeometry g, ArrayView<float>? reluOutput = null)
    {
        var y = reluOutput ?? device.Dummy;
        int mask = reluOutput.HasValue ? 1 : 0;
        if (g.K == g.Stride)
        {
            dx.SubView(0, (long)g.N * g.C * g.H * g.W).MemSetToZero(device.Launch());
            var outputs = TileGrid.For(device.WorkShape, g.N * g.C, g.OH, g.OW, device.Processors);
            backwardDisjoint(device.Launch(), outputs.ThreadCount, dy, argmax, y, dx, g, outputs, mask);
            return;
        }
        var grid = TileGrid.For(device.WorkShape, g.N * g.C, g.H, g.W, device.Processors);
        backward(device.Launch(), grid.ThreadCount, dy, argmax, y, dx, g, grid, mask);
    }
}
