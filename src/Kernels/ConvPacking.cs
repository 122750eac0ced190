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
            wq[q] = acrossInputs != 0
                ? new Quad(Weight(w, other, c0, t, g.Cout, g.Cin, taps), Weight(w, other, c0 + 1, t, g.Cout, g.Cin, taps),
                    Weight(w, other, c0 + 2, t, g.Cout, g.Cin, taps), Weight(w, other, c0 + 3, t, g.Cout, g.Cin, taps))
                : new Quad(Weight(w, c0, other, t, g.Cout, g.Cin, taps), Weight(w, c0 + 1, other, t, g.Cout, g.Cin, taps),
                    Weight(w, c0 + 2, other, t, g.Cout, g.Cin, taps), Weight(w, c0 + 3, other, t, g.Cout, g.Cin, taps));
        }
    }

    private static float Weight(ArrayView<float> w, int co, int ci, int t, int cout, int cin, int taps) =>
        co < cout && ci < cin ? w[(co * cin + ci) * taps + t] : 0f;

    /// <summary>dq[(n*CoB + cb)*OH*OW + p] = dy[n, 4cb..4cb+3, p]: four output channels of one pixel.</summary>
    public static void OutputGradient(Index1D thread, ArrayView<float> dy, ArrayView<Quad> dq, ConvGeometry g, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        int plane = g.OH * g.OW, blocks = (g.Cout + 3) / 4;
        for (int q = grid.Start(thread); q < grid.End(thread); q++)
        {
            int p = q % plane, rest = q / plane;
            int cb = rest % blocks, n = rest / blocks;
            int c0 = cb * 4, at = (n * g.Cout + c0) * plane + p;
            StoreChannels(dq, q, dy, at, plane, g.Cout - c0);
        }
    }

    private static void StoreChannels(ArrayView<Quad> dq, int q, ArrayView<float> dy, int at, int plane, int channelsLeft) =>
        dq[q] = new Quad(dy[at], channelsLeft > 1 ? dy[at + plane] : 0f, channelsLeft > 2 ? dy[at + 2 * plane] : 0f, channelsLeft > 3 ? dy[at + 3 * plane] : 0f);
}
