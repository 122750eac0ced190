using Solver.Kernels;
using Solver.Layers;
using Solver.Trainer;

namespace Solver.Inference.Reading;

public sealed record Alternative(string Label, double Confidence);

/// <summary>The recognizer's answer for one crop: the best label and the <see cref="SymbolRecognizer.Ranked"/> most likely labels (best first, the best included).</summary>
public sealed record Prediction(string Label, double Confidence, IReadOnlyList<Alternative> Alternatives);

/// <summary>
/// Runs exported weights on 45x45 crops, all symbols of an equation in batched forward passes on the device. Given
/// several networks trained on the same classes (an ensemble), it averages their probabilities.
/// </summary>
public sealed class SymbolRecognizer : IDisposable
{
    private const int Batch = 64;
    /// <summary>How many labels each prediction ranks: the reader's widened search looks past the top three.</summary>
    public const int Ranked = 6;
    private readonly List<Sequential> nets = [];
    private readonly Tensor input;
    private readonly float[] host = new float[Batch * SymbolImage.Pixels];

    public SymbolRecognizer(ModelWeights weights, ComputeDevice device) : this([weights], device) { }

    public SymbolRecognizer(IReadOnlyList<ModelWeights> members, ComputeDevice device)
    {
        Weights = WeightsList.Check(members)[0];
        if (!Weights.Model.Input.SequenceEqual([1, SymbolImage.Size, SymbolImage.Size]))
            throw new InvalidDataException($"the weights expect input {string.Join("x", Weights.Model.Input)}, the solver makes 1x45x45 crops");
        try
        {
            foreach (var w in members) nets.Add(w.CreateNetwork(device, Batch));
            input = Tensor.Zeros(device, Batch, 1, SymbolImage.Size, SymbolImage.Size);
        }
        catch
        {
            foreach (var n in nets) n.Dispose();
            throw;
        }
    }

    /// <summary>The first network's weights: the classes and config every member shares.</summary>
    public ModelWeights Weights { get; }

    /// <summary>How many networks are averaged.</summary>
    public int Members => nets.Count;

    /// <summary>
    /// Test-time averaging (on by default): each crop is also read turned, narrowed and sheared a little
    /// (<see cref="Augmenter.TestTimePoses"/>, redrawn through the training images' skeleton convention) and the
    /// probabilities are averaged. Measured on composed equations (seed 2): +1 point linear, +3 quadratic (docs/results.md).
    /// </summary>
    public bool AverageVariants { get; init; } = true;

    public List<Prediction> Classify(IReadOnlyList<byte[]> crops)
    {
        int copies = AverageVariants ? Augmenter.TestTimePoses.Length + 1 : 1;
        // The poses are redrawn on the host (thinning each one): spread over the cores, in order.
        var inputs = AverageVariants ? crops.AsParallel().AsOrdered().SelectMany(Augmenter.TestTimeVariants).ToList() : crops;
        var result = new List<Prediction>(crops.Count);
        foreach (var p in MeanProbabilities(inputs, copies))
        {
            var top = Enumerable.Range(0, p.Length).OrderByDescending(j => p[j]).Take(Ranked)
                .Select(j => new Alternative(Weights.Classes[j], p[j])).ToList();
            result.Add(new Prediction(top[0].Label, top[0].Confidence, top));
        }
        return result;
    }

    /// <summary>The softmax of every input's logits, averaged over each run of <paramref name="copies"/> inputs and over the networks.</summary>
    private List<double[]> MeanProbabilities(IReadOnlyList<byte[]> inputs, int copies)
    {
        int classes = Weights.Classes.Count;
        var result = Enumerable.Range(0, inputs.Count / copies).Select(_ => new double[classes]).ToList();
        var logits = new float[Batch * classes];
        for (int start = 0; start < inputs.Count; start += Batch)
        {
            int n = Math.Min(Batch, inputs.Count - start);
            for (int b = 0; b < n; b++)
                for (int p = 0; p < SymbolImage.Pixels; p++) host[b * SymbolImage.Pixels + p] = inputs[start + b][p] / 255f;
            input.CopyFrom(host.AsSpan(0, n * SymbolImage.Pixels));
            foreach (var net in nets)
            {
                net.Forward(input, n).CopyTo(logits.AsSpan(0, n * classes));
                for (int b = 0; b < n; b++)
                    Softmax.AddTo(logits.AsSpan(b * classes, classes), result[(start + b) / copies], 1.0 / (copies * nets.Count));
            }
        }
        return result;
    }

    public void Dispose()
    {
        foreach (var net in nets) net.Dispose();
        input.Dispose();
    }
}
