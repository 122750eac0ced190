namespace Solver.Trainer;

/// <summary>Probabilities from a row of logits on the host, for reports, confidences and test-time averaging.</summary>
public static class Softmax
{
    /// <summary>into[j] += weight * softmax(logits)[j], with the row's maximum subtracted first so nothing overflows.</summary>
    public static void AddTo(ReadOnlySpan<float> logits, Span<double> into, double weight)
    {
        float max = float.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in logits) sum += Math.Exp(v - max);
        for (int j = 0; j < logits.Length; j++) into[j] += weight * Math.Exp(logits[j] - max) / sum;
    }
}
