using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>Batched NCHW max-pooling. Forward records the arg-max; backward routes each gradient to it.</summary>
public static class PoolKernels
{
    /// <summary>Tiles: planes (n,c) of OH x OW. argmax holds the winner's index inside its input plane (first max on ties).</summary>
    public static void Forward(Index1D thread, ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax,
        PoolGeometry g, TileGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        var tile = grid.At(thread);
        int xPlane = tile.Plane * g.H * g.W;
        int yPlane = tile.Plane * g.OH * g.OW;
        for (int oh = tile.Row0; oh < tile.Row1; oh++)
        {
            for (int ow = tile.Col0; ow < tile.Col1; ow++)
            {
                int ih0 = oh * g.Stride, iw0 = ow * g.Stride;
                int best = ih0 * g.W + iw0;
                float bestValue = x[xPlane + best];
                for (int kh = 0; kh < g.K; kh++)
                {
                    int row = (ih0 + kh) * g.W;
                    for (int kw = 0; kw < g.K; kw++)
                    {
                        int at = row + iw0 + kw;
                        float v = x[xPlane + at];
                        if (v > bestValue) { bestValue = v; best = at; }
                    }
                }
                y[yPlane + oh * g.OW + ow] = bestValue;
                argmax[yPlane + oh * g.OW + ow] = best;
            }
        }
    }

    /// <summary>dx[i] = sum of dy over the windows whose arg-max is i. Tiles: planes (n,c) of H x W.</summary>
    public static void Backward(Index1D thread, ArrayView<float> dy, ArrayView<int> argmax, ArrayView<float> dx,
        PoolGeometry g, TileGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        var tile = grid.At(thread);
        int xPlane = tile.Plane * g.H * g.W;
        int yPlane = tile.Plane * g.OH * g.OW;
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
                        if (argmax[at] == self) acc += dy[at];
                    }
                dx[xPlane + self] = acc;
            }
        }
    }
}

public sealed class PoolOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, PoolGeometry, TileGrid> forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, PoolGeometry, TileGrid> backward;

    internal PoolOps(ComputeDevice device)
    {
        this.device = device;
        forward = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, PoolGeometry, TileGrid>(PoolKernels.Forward);
        backward = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, PoolGeometry, TileGrid>(PoolKernels.Backward);
    }

    public void Forward(ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax, PoolGeometry g)
    {
        var grid = TileGrid.For(device.WorkShape, g.N * g.C, g.OH, g.OW);
        forward(device.Stream, grid.ThreadCount, x, y, argmax, g, grid);
    }

    public void Backward(ArrayView<float> dy, ArrayView<int> argmax, ArrayView<float> dx, PoolGeometry g)
    {
        var grid = TileGrid.For(device.WorkShape, g.N * g.C, g.H, g.W);
        backward(device.Stream, grid.ThreadCount, dy, argmax, dx, g, grid);
    }
}
