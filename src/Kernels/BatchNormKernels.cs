using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// Batch normalisation over NCHW activations, per channel c with M = N*H*W values: in training, the batch mean and
/// biased variance normalise (y = (x - mean) / sqrt(var + eps) * gamma + beta) and the running statistics move by
/// momentum, with the unbiased variance, as PyTorch's BatchNorm2d; in evaluation the running statistics normalise.
/// Statistics and parameter gradients take one thread per channel (a reduction over M, accumulated in double);
/// normalising and the input gradient take one thread per (image, channel) plane.
/// </summary>
public static class BatchNormKernels
{
    public static void Statistics(Index1D c, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> invStd,
        ArrayView<float> runMean, ArrayView<float> runVar, int n, int channels, int hw, float momentum, float eps)
    {
        if (c >= channels) return;
        double sum = 0;
        for (int b = 0; b < n; b++)
        {
            int at = (b * channels + c) * hw;
            for (int i = 0; i < hw; i++) sum += x[at + i];
        }
        long m = (long)n * hw;
        double mu = sum / m, squares = 0;
        for (int b = 0; b < n; b++)
        {
            int at = (b * channels + c) * hw;
            for (int i = 0; i < hw; i++) { double d = x[at + i] - mu; squares += d * d; }
        }
        double variance = squares / m;
        mean[c] = (float)mu;
        invStd[c] = (float)(1.0 / Math.Sqrt(variance + eps));
        runMean[c] = (float)((1 - momentum) * runMean[c] + momentum * mu);
        runVar[c] = (float)((1 - momentum) * runVar[c] + momentum * (m > 1 ? squares / (m - 1) : variance));
    }

    /// <summary>Evaluation mode: the running statistics stand in for the batch's.</summary>
    public static void RunningStatistics(Index1D c, ArrayView<float> mean, ArrayView<float> invStd, ArrayView<float> runMean, ArrayView<float> runVar, int channels, float eps)
    {
        if (c >= channels) return;
        mean[c] = runMean[c];
        invStd[c] = 1f / MathF.Sqrt(runVar[c] + eps);
    }

    public static void Normalize(Index1D plane, ArrayView<float> x, ArrayView<float> y, ArrayView<float> mean, ArrayView<float> invStd,
        ArrayView<float> gamma, ArrayView<float> beta, int planes, int channels, int hw)
    {
        if (plane >= planes) return;
        int c = plane % channels, at = plane * hw;
        float scale = invStd[c] * gamma[c], shift = beta[c] - mean[c] * scale;
        for (int i = 0; i < hw; i++) y[at + i] = x[at + i] * scale + shift;
    }

    /// <summary>dbeta = sum(dy), dgamma = sum(dy * xhat) per channel.</summary>
    public static void ParameterGradients(Index1D c, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> invStd,
        ArrayView<float> dGamma, ArrayView<float> dBeta, int n, int channels, int hw)
    {
        if (c >= channels) return;
        double sumDy = 0, sumDyXhat = 0;
        float mu = mean[c], s = invStd[c];
        for (int b = 0; b < n; b++)
        {
            int at = (b * channels + c) * hw;
            for (int i = 0; i < hw; i++)
            {
                float g = dy[at + i];
                sumDy += g;
                sumDyXhat += g * (x[at + i] - mu) * s;
            }
        }
        dGamma[c] = (float)sumDyXhat;
        dBeta[c] = (float)sumDy;
    }

    /// <summary>dx = gamma * invStd / M * (M * dy - dbeta - xhat * dgamma): the batch statistics depend on every x.</summary>
    public static void InputGradient(Index1D plane, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> invStd,
        ArrayView<float> gamma, ArrayView<float> dGamma, ArrayView<float> dBeta, ArrayView<float> dx, int planes, int channels, int hw, int m)
    {
        if (plane >= planes) return;
        int c = plane % channels, at = plane * hw;
        float mu = mean[c], s = invStd[c], k = gamma[c] * s / m, db = dBeta[c], dg = dGamma[c];
        for (int i = 0; i < hw; i++)
            dx[at + i] = k * (m * dy[at + i] - db - (x[at + i] - mu) * s * dg);
    }
}

public sealed class BatchNormOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float, float> statistics;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> running;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> normalize;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> parameterGradients;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> inputGradient;

    internal BatchNormOps(ComputeDevice device)
    {
        this.device = device;
        var a = device.Accelerator;
        statistics = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float, float>(BatchNormKernels.Statistics);
        running = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(BatchNormKernels.RunningStatistics);
        normalize = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(BatchNormKernels.Normalize);
        parameterGradients = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(BatchNormKernels.ParameterGradients);
        inputGradient = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(BatchNormKernels.InputGradient);
    }

    /// <summary>Normalises x into y. Training: batch statistics into mean/invStd, running statistics updated. Evaluation: running statistics.</summary>
    public void Forward(ArrayView<float> x, ArrayView<float> y, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> mean, ArrayView<float> invStd,
        ArrayView<float> runMean, ArrayView<float> runVar, int n, int channels, int hw, bool training, float momentum, float eps)
    {
        if (n == 0) return;
        if (training) statistics(device.Launch(), channels, x, mean, invStd, runMean, runVar, n, channels, hw, momentum, eps);
        else running(device.Launch(), channels, mean, invStd, runMean, runVar, channels, eps);
        normalize(device.Launch(), n * channels, x, y, mean, invStd, gamma, beta, n * channels, channels, hw);
    }

    /// <summary>Writes dgamma and dbeta; and dx when asked for (dx may be default to skip it).</summary>
    public void Backward(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> mean, ArrayView<float> invStd,
        ArrayView<float> dGamma, ArrayView<float> dBeta, ArrayView<float> dx, bool inputGradientNeeded, int n, int channels, int hw)
    {
        if (n == 0) return;
        parameterGradients(device.Launch(), channels, dy, x, mean, invStd, dGamma, dBeta, n, channels, hw);
        if (inputGradientNeeded) inputGradient(device.Launch(), n * channels, dy, x, mean, invStd, gamma, dGamma, dBeta, dx, n * channels, channels, hw, n * hw);
    }
}
