using ILGPU;
using ILGPU.Runtime;

using Solver.Kernels;

namespace Solver.Bench;

/// <summary>
/// The earlier convolution kernels (one thread per plane, one multiply-add per load), kept only so that the benchmark
/// can measure the register-blocked ones against them. Each output element belongs to exactly one thread's tile
/// (a thread may add into its own tile many times), so no atomics are needed at any tile size.
/// </summary>
public static class PlaneConvKernels
{
    /// <summary>
    /// y[n,co,oh,ow] = b[co] + sum x[n,ci,oh*s-p+kh,ow*s-p+kw] * w[co,ci,kh,kw]. Tiles: planes (n,co) of OH x OW.
    /// Taps outside, pixels inside: each weight is read once per tile and the inner loop walks x and y contiguously,
    /// accumulating in the thread's own output tile (no other thread writes there).
    /// </summary>
    public static void Forward(Index1D thread, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b,
        ArrayView<float> y, ConvGeometry g, TileGrid grid, int hasBias)
    {
        if (thread >= grid.ThreadCount) return;
        var tile = grid.At(thread);
        int n = tile.Plane / g.Cout, co = tile.Plane - n * g.Cout;
        int yPlane = (n * g.Cout + co) * g.OH;
        float bias = hasBias != 0 ? b[co] : 0f;
        for (int oh = tile.Row0; oh < tile.Row1; oh++)
            for (int ow = tile.Col0; ow < tile.Col1; ow++) y[(yPlane + oh) * g.OW + ow] = bias;
        for (int ci = 0; ci < g.Cin; ci++)
        {
            int xPlane = (n * g.Cin + ci) * g.H;
            int wPlane = (co * g.Cin + ci) * g.KH;
            for (int kh = 0; kh < g.KH; kh++)
            {
                // Output rows whose tap kh lands inside the image, within this tile.
                int ohLo = g.Pad - kh > 0 ? (g.Pad - kh + g.Stride - 1) / g.Stride : 0;
                int ohHi = (g.H - 1 + g.Pad - kh) / g.Stride + 1;
                if (ohLo < tile.Row0) ohLo = tile.Row0;
                if (ohHi > tile.Row1) ohHi = tile.Row1;
                for (int kw = 0; kw < g.KW; kw++)
                {
                    float wv = w[(wPlane + kh) * g.KW + kw];
                    int owLo = g.Pad - kw > 0 ? (g.Pad - kw + g.Stride - 1) / g.Stride : 0;
                    int owHi = (g.W - 1 + g.Pad - kw) / g.Stride + 1;
                    if (owLo < tile.Col0) owLo = tile.Col0;
                    if (owHi > tile.Col1) owHi = tile.Col1;
                    for (int oh = ohLo; oh < ohHi; oh++)
                    {
                        int xRow = (xPlane + oh * g.Stride - g.Pad + kh) * g.W - g.Pad + kw;
                        int yRow = (yPlane + oh) * g.OW;
                        for (int ow = owLo; ow < owHi; ow++)
                            y[yRow + ow] += wv * x[xRow + ow * g.Stride];
                    }
                }
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
            // Output rows whose tap kh lands inside the image: 0 <= oh*s - p + kh < H.
            int ohLo = g.Pad - kh > 0 ? (g.Pad - kh + g.Stride - 1) / g.Stride : 0;
            int ohHi = (g.H - 1 + g.Pad - kh) / g.Stride + 1;
            if (ohHi > g.OH) ohHi = g.OH;
            for (int kw = tile.Col0; kw < tile.Col1; kw++)
            {
                int owLo = g.Pad - kw > 0 ? (g.Pad - kw + g.Stride - 1) / g.Stride : 0;
                int owHi = (g.W - 1 + g.Pad - kw) / g.Stride + 1;
                if (owHi > g.OW) owHi = g.OW;
                float acc = 0f;
                for (int n = 0; n < g.N; n++)
                {
                    int xPlane = (n * g.Cin + ci) * g.H;
                    int dyPlane = (n * g.Cout + co) * g.OH;
                    for (int oh = ohLo; oh < ohHi; oh++)
                    {
                        int xRow = (xPlane + oh * g.Stride - g.Pad + kh) * g.W - g.Pad + kw;
                        int dyRow = (dyPlane + oh) * g.OW;
                        for (int ow = owLo; ow < owHi; ow++)
                            acc += dy[dyRow + ow] * x[xRow + ow * g.Stride];
                    }
                }
                dw[((co * g.Cin + ci) * g.KH + kh) * g.KW + kw] = acc;
            }
        }
    }
}
