using Solver.Layers;

namespace Solver.Trainer;

/// <summary>Forward passes over a set of images: predictions, mean loss and accuracy. No gradients, no updates.</summary>
public sealed class Evaluation
{
    public required int[] Predicted { get; init; }
    public required int[] Truth { get; init; }
    public double Loss { get; init; }
    public double Accuracy { get; init; }

    /// <summary>Each image's averaged class probabilities, row after row (from <see cref="RunAveraged"/> only).</summary>
    public double[]? Probabilities { get; init; }

    public static Evaluation Run(Sequential net, SoftmaxCrossEntropyLoss loss, Tensor input, Dataset data, int[] indices)
    {
        int capacity = input.Shape[0], classes = loss.Classes;
        var x = new float[capacity * SymbolImage.Pixels];
        var labels = new int[capacity];
        var predicted = new int[indices.Length];
        var truth = new int[indices.Length];
        var logits = new float[capacity * classes];
        double lossSum = 0;
        int correct = 0;
        net.Train(false); // evaluation mode: dropout passes everything; the training loop sets it back each batch
        for (int start = 0; start < indices.Length; start += capacity)
        {
            int n = Math.Min(capacity, indices.Length - start);
            var batch = indices.AsSpan(start, n);
            data.FillBatch(batch, x, labels);
            input.CopyFrom(x.AsSpan(0, n * SymbolImage.Pixels));
            loss.SetLabels(labels.AsSpan(0, n));
            var y = net.Forward(input, n);
            loss.Compute(y, n);
            var (l, c) = loss.ReadStats();
            y.CopyTo(logits.AsSpan(0, n * classes));
            lossSum += l * n;
            correct += c;
            for (int b = 0; b < n; b++)
            {
                int best = 0;
                for (int j = 1; j < classes; j++) if (logits[b * classes + j] > logits[b * classes + best]) best = j;
                predicted[start + b] = best;
                truth[start + b] = labels[b];
            }
        }
        return new Evaluation
        {
            Predicted = predicted, Truth = truth,
            Loss = indices.Length == 0 ? double.NaN : lossSum / indices.Length,
            Accuracy = indices.Length == 0 ? double.NaN : (double)correct / indices.Length,
        };
    }

    /// <summary>
    /// Like <see cref="Run"/>, but the softmax probabilities are averaged: over the networks of an ensemble (trained on
    /// the same classes) and, with <paramref name="variants"/>, over each image's <see cref="Augmenter.TestTimePoses"/>
    /// (test-time averaging, as the solver reads). The loss is that of the averaged probabilities.
    /// </summary>
    public static Evaluation RunAveraged(IReadOnlyList<Sequential> nets, Tensor input, Dataset data, int[] indices, int classes, bool variants = true)
    {
        int copies = variants ? Augmenter.TestTimePoses.Length + 1 : 1, capacity = input.Shape[0] / copies;
        if (capacity < 1) throw new ArgumentException($"a batch of {input.Shape[0]} cannot hold the {copies} poses of one image");
        var x = new float[capacity * copies * SymbolImage.Pixels];
        var logits = new float[capacity * copies * classes];
        var probabilities = new double[indices.Length * classes];
        var predicted = new int[indices.Length];
        var truth = new int[indices.Length];
        double lossSum = 0;
        int correct = 0;
        foreach (var net in nets) net.Train(false);
        for (int start = 0; start < indices.Length; start += capacity)
        {
            int n = Math.Min(capacity, indices.Length - start);
            for (int b = 0; b < n; b++)
            {
                var image = data.Image(indices[start + b]).ToArray();
                int c = 0;
                foreach (var variant in variants ? Augmenter.TestTimeVariants(image) : [image])
                {
                    var dst = x.AsSpan(((b * copies) + c++) * SymbolImage.Pixels, SymbolImage.Pixels);
                    for (int p = 0; p < SymbolImage.Pixels; p++) dst[p] = variant[p] / 255f;
                }
            }
            input.CopyFrom(x.AsSpan(0, n * copies * SymbolImage.Pixels));
            foreach (var net in nets)
            {
                net.Forward(input, n * copies).CopyTo(logits.AsSpan(0, n * copies * classes));
                for (int b = 0; b < n; b++)
                    for (int c = 0; c < copies; c++)
                        Softmax.AddTo(logits.AsSpan((b * copies + c) * classes, classes), probabilities.AsSpan((start + b) * classes, classes), 1.0 / (copies * nets.Count));
            }
            for (int b = 0; b < n; b++)
            {
                var m = probabilities.AsSpan((start + b) * classes, classes);
                int best = 0;
                for (int j = 1; j < classes; j++) if (m[j] > m[best]) best = j;
                int label = data.Labels[indices[start + b]];
                predicted[start + b] = best;
                truth[start + b] = label;
                lossSum -= Math.Log(Math.Max(m[label], 1e-12));
                if (best == label) correct++;
            }
        }
        return new Evaluation
        {
            Predicted = predicted, Truth = truth,
            Loss = indices.Length == 0 ? double.NaN : lossSum / indices.Length,
            Accuracy = indices.Length == 0 ? double.NaN : (double)correct / indices.Length,
            Probabilities = probabilities,
        };
    }
}
