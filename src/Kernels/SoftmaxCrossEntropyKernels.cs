using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// Softmax and cross-entropy fused: one pass per row gives the loss, whether the arg-max is right, and the
/// gradient to the logits. Subtracting the row max keeps exp() finite for any logits.
/// </summary>
public static class SoftmaxCrossEntropyKernels
{
    /// <summary>
    /// For each row r of logits [rows, classes], with the target q = (1 - smoothing) onehot(label) + smoothing / classes
    /// (PyTorch's label_smoothing; 0 gives the one-hot target): loss[r] = -sum_j q_j log softmax(z)_j, correct[r] = 1 when
    /// the arg-max is the label, dz[r] = (softmax(z) - q) * weight(label) * gradScale, loss[r] likewise weighted.
    /// A row whose label is negative is ignored (loss 0, gradient 0). classWeights holds one weight per class, or is empty.
    /// </summary>
    public static void Forward(Index1D thread, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> classWeights,
        ArrayView<float> dz, ArrayView<float> loss, ArrayView<float> correct, int classes, float gradScale, float smoothing, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        for (int r = grid.Start(thread); r < grid.End(thread); r++)
        {
            int row = r * classes;
            int label = labels[r];
            if (label < 0 || label >= classes)
            {
                for (int j = 0; j < classes; j++) dz[row + j] = 0f;
                loss[r] = 0f;
                correct[r] = 0f;
                continue;
            }
            float max = logits[row];
            int best = 0;
            for (int j = 1; j < classes; j++)
            {
                float v = logits[row + j];
                if (v > max) { max = v; best = j; }
            }
            float sum = 0f, shifted = 0f;
            for (int j = 0; j < classes; j++)
            {
                float v = logits[row + j] - max;
                sum += XMath.Exp(v);
                shifted += v;
            }
            float weight = classWeights.Length > 0 ? classWeights[label] : 1f;
            float logSum = XMath.Log(sum);
            // -sum_j q_j log p_j with log p_j = (z_j - max) - logSum.
            float uniform = smoothing / classes;
            float nll = logSum - (logits[row + label] - max);
            loss[r] = weight * ((1f - smoothing) * nll + uniform * (classes * logSum - shifted));
            correct[r] = best == label ? 1f : 0f;
            float scale = weight * gradScale;
            for (int j = 0; j < classes; j++)
            {
                float p = XMath.Exp(logits[row + j] - max - logSum);
                float q = j == label ? 1f - smoothing + uniform : uniform;
                dz[row + j] = (p - q) * scale;
            }
        }
    }

    /// <summary>stats[0] = sum(loss) * lossScale, stats[1] = sum(correct). One thread: batches are small.</summary>
    public static void Reduce(Index1D thread, ArrayView<float> loss, ArrayView<float> correct, ArrayView<float> stats, int rows, float lossScale)
    {
        if (thread != 0) return;
        float l = 0f, c = 0f;
        for (int r = 0; r < rows; r++) { l += loss[r]; c += correct[r]; }
        stats[0] = l * lossScale;
        stats[1] = c;
    }
}

public sealed class SoftmaxCrossEntropyOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, ChunkGrid> forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> reduce;

    internal SoftmaxCrossEntropyOps(ComputeDevice device)
    {
        this.device = device;
        forward = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, ChunkGrid>(SoftmaxCrossEntropyKernels.Forward);
        reduce = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(SoftmaxCrossEntropyKernels.Reduce);
    }

    /// <summary>
    /// Mean loss over <paramref name="rows"/> and its gradient; stats receives [mean loss, correct count].
    /// scratchLoss and scratchCorrect hold one float per row. <paramref name="labelSmoothing"/> in [0, 1) as PyTorch's.
    /// </summary>
    public void Run(ArrayView<float> logits, ArrayView<int> labels, ArrayView<float>? classWeights, ArrayView<float> dz,
        ArrayView<float> scratchLoss, ArrayView<float> scratchCorrect, ArrayView<float> stats, int rows, int classes,
        float labelSmoothing = 0f)
    {
        var grid = ChunkGrid.TwoPerCore(device.WorkShape, rows, device.Processors);
        float mean = 1f / Math.Max(rows, 1);
        var weights = classWeights ?? device.Dummy.SubView(0, 0);
        forward(device.Launch(), grid.ThreadCount, logits, labels, weights, dz, scratchLoss, scratchCorrect, classes, mean, labelSmoothing, grid);
        reduce(device.Launch(), 1, scratchLoss, scratchCorrect, stats, rows, mean);
    }
}
