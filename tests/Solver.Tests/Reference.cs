using Solver.Kernels;

namespace Solver.Tests;

/// <summary>Plain C# loops, written for clarity: the oracle the ILGPU kernels are checked against. Never a backend.</summary>
public static class Reference
{
    public static float[] ConvForward(float[] x, float[] w, float[]? b, ConvGeometry g)
    {
        var y = new float[g.OutputLength];
        for (int n = 0; n < g.N; n++)
        for (int co = 0; co < g.Cout; co++)
        for (int oh = 0; oh < g.OH; oh++)
        for (int ow = 0; ow < g.OW; ow++)
        {
            double acc = b?[co] ?? 0;
            for (int ci = 0; ci < g.Cin; ci++)
            for (int kh = 0; kh < g.KH; kh++)
            for (int kw = 0; kw < g.KW; kw++)
            {
                int ih = oh * g.Stride - g.Pad + kh, iw = ow * g.Stride - g.Pad + kw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                acc += x[((n * g.Cin + ci) * g.H + ih) * g.W + iw] * w[((co * g.Cin + ci) * g.KH + kh) * g.KW + kw];
            }
            y[((n * g.Cout + co) * g.OH + oh) * g.OW + ow] = (float)acc;
        }
        return y;
    }

    /// <summary>The three gradients of a convolution, by scattering dy through the forward's index map.</summary>
    public static (float[] dx, float[] dw, float[] db) ConvBackward(float[] x, float[] w, float[] dy, ConvGeometry g)
    {
        var dx = new double[g.InputLength];
        var dw = new double[g.WeightLength];
        var db = new double[g.Cout];
        for (int n = 0; n < g.N; n++)
        for (int co = 0; co < g.Cout; co++)
        for (int oh = 0; oh < g.OH; oh++)
        for (int ow = 0; ow < g.OW; ow++)
        {
            float d = dy[((n * g.Cout + co) * g.OH + oh) * g.OW + ow];
            db[co] += d;
            for (int ci = 0; ci < g.Cin; ci++)
            for (int kh = 0; kh < g.KH; kh++)
            for (int kw = 0; kw < g.KW; kw++)
            {
                int ih = oh * g.Stride - g.Pad + kh, iw = ow * g.Stride - g.Pad + kw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                int xi = ((n * g.Cin + ci) * g.H + ih) * g.W + iw, wi = ((co * g.Cin + ci) * g.KH + kh) * g.KW + kw;
                dx[xi] += d * w[wi];
                dw[wi] += d * x[xi];
            }
        }
        return (ToFloat(dx), ToFloat(dw), ToFloat(db));
    }

    public static (float[] y, int[] argmax) PoolForward(float[] x, PoolGeometry g)
    {
        var y = new float[g.OutputLength];
        var arg = new int[g.OutputLength];
        for (int p = 0; p < g.N * g.C; p++)
        for (int oh = 0; oh < g.OH; oh++)
        for (int ow = 0; ow < g.OW; ow++)
        {
            float best = float.NegativeInfinity; int at = -1;
            for (int kh = 0; kh < g.K; kh++)
            for (int kw = 0; kw < g.K; kw++)
            {
                int i = (oh * g.Stride + kh) * g.W + ow * g.Stride + kw;
                if (x[p * g.H * g.W + i] > best) { best = x[p * g.H * g.W + i]; at = i; }
            }
            y[(p * g.OH + oh) * g.OW + ow] = best;
            arg[(p * g.OH + oh) * g.OW + ow] = at;
        }
        return (y, arg);
    }

    public static float[] PoolBackward(float[] dy, int[] argmax, PoolGeometry g)
    {
        var dx = new float[g.InputLength];
        for (int p = 0; p < g.N * g.C; p++)
        for (int o = 0; o < g.OH * g.OW; o++)
            dx[p * g.H * g.W + argmax[p * g.OH * g.OW + o]] += dy[p * g.OH * g.OW + o];
        return dx;
    }

    /// <summary>C = op(A) op(B) + bias, with the same stride convention as the kernel.</summary>
    public static float[] Gemm(float[] a, float[] b, float[]? bias, GemmGeometry g, float[]? c0 = null)
    {
        var c = new float[g.M * g.N];
        for (int i = 0; i < g.M; i++)
        for (int j = 0; j < g.N; j++)
        {
            double acc = (bias?[j] ?? 0) + (g.Accumulate != 0 ? c0![i * g.Ldc + j] : 0);
            for (int k = 0; k < g.K; k++) acc += a[i * g.ARow + k * g.ACol] * b[k * g.BRow + j * g.BCol];
            c[i * g.N + j] = (float)acc;
        }
        return c;
    }

    /// <summary>Returns (per-row loss, per-row correct, gradient of the mean loss).</summary>
    public static (double[] loss, int[] correct, float[] grad) SoftmaxCrossEntropy(float[] z, int[] labels, int classes, float[]? weights = null,
        double smoothing = 0)
    {
        int rows = labels.Length;
        var loss = new double[rows];
        var correct = new int[rows];
        var grad = new float[rows * classes];
        for (int r = 0; r < rows; r++)
        {
            if (labels[r] < 0) continue;
            var row = z.Skip(r * classes).Take(classes).Select(v => (double)v).ToArray();
            double max = row.Max();
            double sum = row.Sum(v => Math.Exp(v - max));
            double wgt = weights?[labels[r]] ?? 1.0;
            // The target spreads `smoothing` evenly over the classes; the rest stays on the label.
            double Target(int j) => (j == labels[r] ? 1 - smoothing : 0) + smoothing / classes;
            for (int j = 0; j < classes; j++) loss[r] -= wgt * Target(j) * (row[j] - max - Math.Log(sum));
            correct[r] = Array.IndexOf(row, max) == labels[r] ? 1 : 0;
            for (int j = 0; j < classes; j++)
                grad[r * classes + j] = (float)((Math.Exp(row[j] - max) / sum - Target(j)) * wgt / rows);
        }
        return (loss, correct, grad);
    }

    private static float[] ToFloat(double[] v) => v.Select(d => (float)d).ToArray();
}
