namespace Solver.Bench;
using Solver.Kernels;
/// <summary>The blocked forward as plain C# on arrays: only to learn the ceiling of the loop order (not a backend).</summary>
public static class PlainForward
{
    public static void Run(float[] x, float[] w, float[] b, float[] y, ConvGeometry g)
    {
        int coBlocks = (g.Cout + 3) / 4;
        System.Threading.Tasks.Parallel.For(0, g.N * coBlocks, plane =>
        {
            int n = plane / coBlocks; int c0 = (plane - n * coBlocks) * 4;
            int c1 = Math.Min(c0 + 1, g.Cout - 1), c2 = Math.Min(c0 + 2, g.Cout - 1), c3 = Math.Min(c0 + 3, g.Cout - 1);
            int taps = g.KH * g.KW;
            int w0Base = c0 * g.Cin * taps, w1Base = c1 * g.Cin * taps, w2Base = c2 * g.Cin * taps, w3Base = c3 * g.Cin * taps;
            for (int oh = 0; oh < g.OH; oh++)
                for (int ow0 = 0; ow0 + 3 < g.OW; ow0 += 4)
                {
                    float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
                    for (int ci = 0; ci < g.Cin; ci++)
                    {
                        int xPlane = (n * g.Cin + ci) * g.H;
                        for (int kh = 0; kh < g.KH; kh++)
                        {
                            int xRow = (xPlane + oh + kh) * g.W + ow0; int wTap = (ci * g.KH + kh) * g.KW;
                            for (int kw = 0; kw < g.KW; kw++)
                            {
                                int xi = xRow + kw; float x0 = x[xi], x1 = x[xi + 1], x2 = x[xi + 2], x3 = x[xi + 3];
                                int t = wTap + kw; float w0 = w[w0Base + t], w1 = w[w1Base + t], w2 = w[w2Base + t], w3 = w[w3Base + t];
                                a00 += w0 * x0; a01 += w0 * x1; a02 += w0 * x2; a03 += w0 * x3;
                                a10 += w1 * x0; a11 += w1 * x1; a12 += w1 * x2; a13 += w1 * x3;
                                a20 += w2 * x0; a21 += w2 * x1; a22 += w2 * x2; a23 += w2 * x3;
                                a30 += w3 * x0; a31 += w3 * x1; a32 += w3 * x2; a33 += w3 * x3;
                            }
                        }
                    }
                    int o = ((n * g.Cout + c0) * g.OH + oh) * g.OW + ow0;
                    y[o] = a00 + a10 + a20 + a30; y[o + 1] = a01 + a11 + a21 + a31; y[o + 2] = a02 + a12 + a22 + a32; y[o + 3] = a03 + a13 + a23 + a33;
                }
        });
    }
}
