using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// Repacks convolution operands into <see cref="Quad"/>s of four channels, the layout the register-blocked kernels
/// read. Channels past the end of the last block are zero. Each costs one pass over a small tensor per step.
/// </summary>
public static class ConvPacking
{
    /// <summary>
    /// Four channels of one weight tap as a Quad. Forward (<paramref name="acrossInputs"/> = 0): wq[(ci*taps + t)*CoB + cb]
    /// = w[4cb..4cb+3, ci, t], four output channels. Input gradient (1): wq[(co*taps + t)*CiB + cb] = w[co, 4cb..4cb+3, t],
    /// four input channels.
    /// </summary>
    public static void Weights(Index1D thread, ArrayView<float> w, ArrayView<Quad> wq, ConvGeometry g, int acrossInputs, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        int taps = g.KH * g.KW, blocks = ((acrossInputs != 0 ? g.Cin : g.Cout) + 3) / 4;
        for (int q = grid.Start(thread); q < grid.End(thread); q++)
        {
            int cb = q % blocks, rest = q / blocks;
            int t = rest % taps, other = rest / taps;
            int c0 = cb * 4;
            // w[co, ci, t]: consecutive input channels are taps apart, consecutive output channels Cin * taps.
            wq[q] = acrossInputs != 0
                ? Quad.Gather(w, (other * g.Cin + c0) * taps + t, taps, g.Cin - c0)
                : Quad.Gather(w, (c0 * g.Cin + other) * taps + t, g.Cin * taps, g.Cout - c0);
        }
    }

    /// <summary>dq[(n*CoB + cb)*OH*OW + p] = dy[n, 4cb..4cb+3, p]: four output channels of one pixel.</summary>
    public static void OutputGradient(Index1D thread, ArrayView<float> dy, ArrayView<Quad> dq, ConvGeometry g, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        int plane = g.OH * g.OW, blocks = (g.Cout + 3) / 4;
        for (int q = grid.Start(thread); q < grid.End(thread); q++)
        {
            int p = q % plane, rest = q / plane;
            int cb = rest % blocks, n = rest / blocks;
            int c0 = cb * 4;
            dq[q] = Quad.Gather(dy, (n * g.Cout + c0) * plane + p, plane, g.Cout - c0);
        }
    }
}
