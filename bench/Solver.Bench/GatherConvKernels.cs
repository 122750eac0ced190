using ILGPU;
using ILGPU.Runtime;

namespace Solver.Bench;
using Solver.Kernels;

/// <summary>
/// Batched NCHW convolution, forward and backward. Every kernel gathers: each output element is written by
/// exactly one thread, so no atomics are needed at any tile size.
/// </summary>
/// <summary>The earlier gather form of the convolution forward, kept only so the benchmark can compare it.</summary>
public static class GatherConvKernels
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
            // The kernel rows that land inside the image, found once instead of tested per tap.
            int khLo = ih0 < 0 ? -ih0 : 0;
            int khHi = g.H - ih0 < g.KH ? g.H - ih0 : g.KH;
            for (int ow = tile.Col0; ow < tile.Col1; ow++)
            {
                int iw0 = ow * g.Stride - g.Pad;
                int kwLo = iw0 < 0 ? -iw0 : 0;
                int kwHi = g.W - iw0 < g.KW ? g.W - iw0 : g.KW;
                float acc = bias;
                for (int ci = 0; ci < g.Cin; ci++)
                {
                    int xPlane = (n * g.Cin + ci) * g.H;
                    int wPlane = (co * g.Cin + ci) * g.KH;
                    for (int kh = khLo; kh < khHi; kh++)
                    {
                        int xRow = (xPlane + ih0 + kh) * g.W + iw0;
                        int wRow = (wPlane + kh) * g.KW;
                        for (int kw = kwLo; kw < kwHi; kw++)
                            acc += x[xRow + kw] * w[wRow + kw];
                    }
                }
                y[((n * g.Cout + co) * g.OH + oh) * g.OW + ow] = acc;
            }
        }
    }
}
