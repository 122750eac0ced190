using ILGPU;
using ILGPU.Runtime;
using Solver.Kernels;

namespace Solver.Layers;

/// <summary>
/// Mean cross-entropy of softmax(logits) against integer labels, fused in one kernel with its gradient.
/// All buffers are made for a batch capacity up front; per step only the labels go in and two floats come out.
/// </summary>
public sealed class SoftmaxCrossEntropyLoss : IDisposable
{
    private readonly ComputeDevice device;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> labels;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> scratchLoss, scratchCorrect, stats;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? classWeights;
    private readonly float[] statsHost = new float[2];

    public SoftmaxCrossEntropyLoss(ComputeDevice device, int batchCapacity, int classes, float[]? classWeights = null,
        float labelSmoothing = 0f)
    {
        if (!(labelSmoothing >= 0f && labelSmoothing < 1f)) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), "label smoothing must be in [0, 1)");
        this.device = device;
        Classes = classes;
        LabelSmoothing = labelSmoothing;
        labels = device.AllocateInt(batchCapacity);
        scratchLoss = device.Allocate(batchCapacity);
        scratchCorrect = device.Allocate(batchCapacity);
        stats = device.Allocate(2);
        LogitsGrad = Tensor.Zeros(device, batchCapacity, classes);
        if (classWeights is not null)
        {
            if (classWeights.Length != classes) throw new ArgumentException($"{classWeights.Length} class weights for {classes} classes");
            this.classWeights = device.Allocate(classes);
            this.classWeights.View.CopyFromCPU(classWeights);
        }
    }

    public int Classes { get; }

    /// <summary>The share of the target spread evenly over all classes (PyTorch's label_smoothing).</summary>
    public float LabelSmoothing { get; }

    /// <summary>dL/dlogits of the last <see cref="Compute"/>.</summary>
    public Tensor LogitsGrad { get; }

    public void SetLabels(ReadOnlySpan<int> batchLabels) => labels.View.SubView(0, batchLabels.Length).CopyFromCPU(device.Stream, batchLabels);

    /// <summary>Queues the loss and its gradient for the first n rows; read them with <see cref="ReadStats"/>.</summary>
    public void Compute(Tensor logits, int n) =>
        device.SoftmaxCrossEntropy.Run(logits.View, labels.View, classWeights?.View, LogitsGrad.View,
            scratchLoss.View, scratchCorrect.View, stats.View, n, Classes, LabelSmoothing);

    /// <summary>Waits for the device and returns (mean loss, correct predictions) of the last batch.</summary>
    public (float Loss, int Correct) ReadStats()
    {
        stats.View.CopyToCPU(device.Stream, statsHost);
        device.Synchronize();
        return (statsHost[0], (int)MathF.Round(statsHost[1]));
    }

    public void Dispose()
    {
        labels.Dispose(); scratchLoss.Dispose(); scratchCorrect.Dispose(); stats.Dispose(); classWeights?.Dispose();
        LogitsGrad.Dispose();
    }
}
