using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>Hyper-parameters of one Adam step, bias corrections included, passed by value (no host-device copy).</summary>
public struct AdamSettings
{
    public float LearningRate;
    public float Beta1;
    public float Beta2;
    public float Epsilon;
    public float WeightDecay;
    /// <summary>1 - beta1^t and 1 - beta2^t for step t (1-based).</summary>
    public float Correction1;
    public float Correction2;
    /// <summary>1: AdamW (decay applied to the weight, not added to the gradient).</summary>
    public int Decoupled;
}

/// <summary>Adam and AdamW in PyTorch's formulation (torch.optim.Adam / AdamW), beside <see cref="SgdKernels"/>.</summary>
public static class AdamKernels
{
    /// <summary>
    /// Adam: g = dw + wd*w. AdamW: w *= 1 - lr*wd, g = dw. Then m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
    /// w -= lr * (m / c1) / (sqrt(v / c2) + eps).
    /// </summary>
    public static void Step(Index1D thread, ArrayView<float> w, ArrayView<float> dw, ArrayView<float> m, ArrayView<float> v, AdamSettings s, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        for (int i = grid.Start(thread); i < grid.End(thread); i++)
        {
            float wi = w[i];
            float g = dw[i];
            if (s.Decoupled != 0) wi *= 1f - s.LearningRate * s.WeightDecay;
            else g += s.WeightDecay * wi;
            float mi = s.Beta1 * m[i] + (1f - s.Beta1) * g;
            float vi = s.Beta2 * v[i] + (1f - s.Beta2) * g * g;
            m[i] = mi;
            v[i] = vi;
            w[i] = wi - s.LearningRate * (mi / s.Correction1) / (XMath.Sqrt(vi / s.Correction2) + s.Epsilon);
        }
    }
}

public sealed class AdamOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamSettings, ChunkGrid> step;

    internal AdamOps(ComputeDevice device)
    {
        this.device = device;
        step = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamSettings, ChunkGrid>(AdamKernels.Step);
    }

    public void Step(ArrayView<float> w, ArrayView<float> dw, ArrayView<float> m, ArrayView<float> v, AdamSettings s)
    {
        var grid = ChunkGrid.For(device.WorkShape, (int)w.Length, device.Processors);
        if (grid.ThreadCount > 0) step(device.Launch(), grid.ThreadCount, w, dw, m, v, s, grid);
    }
}
