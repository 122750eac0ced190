using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// Batched NCHW convolution, forward and backward. Every kernel gathers: each output element is written by
/// exactly one thread, so no atomics are needed at any tile size.
/// </summary>
public static class ConvKernels
{
    /// <summary>y[n,co,oh,ow] = b[co] + sum x[n,ci,oh*s-p+kh,ow*s-p+kw] * w[co,ci,kh,kw]. Tiles: planes (n,co) of OH x OW.</summary>
    public static void Forward(Index1D thread, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b,
        ArrayView<float> y, ConvGeometry g, TileGrid grid, int hasBias)
    {
        if (thread >= grid.ThreadCount) return;
        var tile = grid.At(thread);
        int n = tile.Plane / g.Cout, co = tile.Plane - n * g.Cout;
        float bias = hasBias != 0 ? b[co] : 0f;
        for (int oh = tile.Row0; oh < tile.Row1; oh++)
        {
            int ih0 = oh * g.Stride - g.Pad;
            for (int ow = tile.Col0; ow < tile.Col1; ow++)
            {
                int iw0 = ow * g.Stride - g.Pad;
                float acc = bias;
                for (int ci = 0; ci < g.Cin; ci++)
                {
                    int xPlane = (n * g.Cin + ci) * g.H;
                    int wPlane = (co * g.Cin + ci) * g.KH;
                    for (int kh = 0; kh < g.KH; kh++)
                    {
                        int ih = ih0 + kh;
                        if (ih < 0 || ih >= g.H) continue;
                        int xRow = (xPlane + ih) * g.W;
                        int wRow = (wPlane + kh) * g.KW;
                        for (int kw = 0; kw < g.KW; kw++)
                        {
                            int iw = iw0 + kw;
                            if (iw < 0 || iw >= g.W) continue;
                            acc += x[xRow + iw] * w[wRow + kw];
                        }
                    }
                }
                y[((n * g.Cout + co) * g.OH + oh) * g.OW + ow] = acc;
            }
        }
    }

    /// <summary>dx[n,ci,ih,iw] = sum over (co,kh,kw) that reach it of dy * w. Tiles: planes (n,ci) of H x W.</summary>
    public static void BackwardInput(Index1D thread, ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx,
        ConvGeometry g, TileGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        var tile = grid.At(thread);
        int n = tile.Plane / g.Cin, ci = tile.Plane - n * g.Cin;
        for (int ih = tile.Row0; ih < tile.Row1; ih++)
        {
            for (int iw = tile.Col0; iw < tile.Col1; iw++)
            {
                float acc = 0f;
                for (int co = 0; co < g.Cout; co++)
                {
                    int dyPlane = (n * g.Cout + co) * g.OH;
                    int wPlane = (co * g.Cin + ci) * g.KH;
                    for (int kh = 0; kh < g.KH; kh++)
                    {
                        int th = ih + g.Pad - kh;
                        if (th < 0) break; // kh only grows from here
                        if (th % g.Stride != 0) continue;
                        int oh = th / g.Stride;
                        if (oh >= g.OH) continue;
                        for (int kw = 0; kw < g.KW; kw++)
                        {
                            int tw = iw + g.Pad - kw;
                            if (tw < 0) break;
                            if (tw % g.Stride != 0) continue;
                            int ow = tw / g.Stride;
                            if (ow >= g.OW) continue;
                            acc += dy[(dyPlane + oh) * g.OW + ow] * w[(wPlane + kh) * g.KW + kw];
                        }
                    }
                }
                dx[((n * g.Cin + ci) * g.H + ih) * g.W + iw] = acc;
            }
        }
    }

    /// <summary>dw[co,ci,kh,kw] = sum over the batch and output positions of dy * x. Tiles: planes (co,ci) of KH x KW.</summary>
    public static void BackwardWeights(Index1D thread, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw,
        ConvGeometry g, TileGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        var tile = grid.At(thread);
        int co = tile.Plane / g.Cin, ci = tile.Plane - co * g.Cin;
        for (int kh = tile.Row0; kh < tile.Row1; kh++)
        {
            for (int kw = tile.Col0; kw < tile.Col1; kw++)
            {
                float acc = 0f;
                for (int n = 0; n < g.N; n++)
                {
                    int xPlane = (n * g.Cin + ci) * g.H;
                    int dyPlane = (n * g.Cout + co) * g.OH;
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        int ih = oh * g.Stride - g.Pad + kh;
                        if (ih < 0 || ih >= g.H) continue;
                        int xRow = (xPlane + ih) * g.W;
                        int dyRow = (dyPlane + oh) * g.OW;
                        for (int ow = 0; ow < g.OW; ow++)
                        {
                            int iw = ow * g.Stride - g.Pad + kw;
                            if (iw < 0 || iw >= g.W) continue;
                            acc += dy[dyRow + ow] * x[xRow + iw];
                        }
                    }
                }
                dw[((co * g.Cin + ci) * g.KH + kh) * g.KW + kw] = acc;
            }
        }
    }

    /// <summary>db[co] = sum of dy over the batch and all output positions. One thread per output channel.</summary>
    public static void BackwardBias(Index1D co, ArrayView<float> dy, ArrayView<float> db, ConvGeometry g)
    {
        if (co >= g.Cout) return;
        int plane = g.OH * g.OW;
        float acc = 0f;
        for (int n = 0; n < g.N; n++)
        {
            int start = (n * g.Cout + co) * plane;
            for (int i = 0; i < plane; i++) acc += dy[start + i];
        }
        db[co] = acc;
    }
}

/// <summary>The convolution kernels compiled for one device, and their launch shapes.</summary>
public sealed class ConvOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid, int> forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid> backwardInput;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid> backwardWeights;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ConvGeometry> backwardBias;

    internal ConvOps(ComputeDevice device)
    {
        this.device = device;
        var a = device.Accelerator;
        forward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid, int>(ConvKernels.Forward);
        backwardInput = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid>(ConvKernels.BackwardInput);
        backwardWeights = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid>(ConvKernels.BackwardWeights);
        backwardBias = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvGeometry>(ConvKernels.BackwardBias);
    }

    /// <param name="bias">The bias, or null for a convolution without one.</param>
    public void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float>? bias, ArrayView<float> y, ConvGeometry g)
    {
        var grid = TileGrid.For(device.WorkShape, g.N * g.Cout, g.OH, g.OW);
        forward(device.Stream, grid.ThreadCount, x, w, bias ?? device.Dummy, y, g, grid, bias.HasValue ? 1 : 0);
    }

    public void BackwardInput(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, ConvGeometry g)
    {
        var grid = TileGrid.For(device.WorkShape, g.N * g.Cin, g.H, g.W);
        backwardInput(device.Stream, grid.ThreadCount, dy, w, dx, g, grid);
    }

    public void BackwardWeights(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ConvGeometry g)
    {
        var grid = TileGrid.For(device.WorkShape, g.Cout * g.Cin, g.KH, g.KW);
        backwardWeights(device.Stream, grid.ThreadCount, x, dy, dw, g, grid);
    }

    public void BackwardBias(ArrayView<float> dy, ArrayView<float> db, ConvGeometry g) =>
        backwardBias(device.Stream, g.Cout, dy, db, g);
}
