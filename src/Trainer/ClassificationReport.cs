using System.Globalization;
using System.Text;
using CsvHelper;
using Solver.Layers;

namespace Solver.Trainer;

public sealed record ClassScore(string Class, double Precision, double Recall, double F1, int Support);

/// <summary>Per-class precision, recall, F1 and support, their macro and weighted averages, accuracy and the confusion matrix.</summary>
public sealed class ClassificationReport
{
    public required IReadOnlyList<string> Classes { get; init; }
    public required IReadOnlyList<ClassScore> PerClass { get; init; }
    /// <summary>Confusion[true, predicted].</summary>
    public required int[,] Confusion { get; init; }
    public double Accuracy { get; init; }
    public ClassScore MacroAverage { get; init; } = null!;
    public ClassScore WeightedAverage { get; init; } = null!;
    public int Total { get; init; }

    public static ClassificationReport Compute(IReadOnlyList<string> classes, ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
    {
        int k = classes.Count;
        var confusion = new int[k, k];
        for (int i = 0; i < truth.Length; i++) confusion[truth[i], predicted[i]]++;
        var scores = new List<ClassScore>();
        int correct = 0;
        for (int c = 0; c < k; c++)
        {
            int tp = confusion[c, c], support = 0, predictedC = 0;
            for (int j = 0; j < k; j++) { support += confusion[c, j]; predictedC += confusion[j, c]; }
            correct += tp;
            double p = predictedC == 0 ? 0 : (double)tp / predictedC;
            double r = support == 0 ? 0 : (double)tp / support;
            scores.Add(new ClassScore(classes[c], p, r, p + r == 0 ? 0 : 2 * p * r / (p + r), support));
        }
        int total = truth.Length;
        var present = scores.Where(s => s.Support > 0).ToList();
        ClassScore Avg(string name, Func<ClassScore, double> weight)
        {
            double wsum = present.Sum(weight);
            if (wsum == 0) return new ClassScore(name, 0, 0, 0, total);
            return new ClassScore(name, present.Sum(s => s.Precision * weight(s)) / wsum, present.Sum(s => s.Recall * weight(s)) / wsum,
                present.Sum(s => s.F1 * weight(s)) / wsum, total);
        }
        return new ClassificationReport
        {
            Classes = classes, PerClass = scores, Confusion = confusion, Total = total,
            Accuracy = total == 0 ? 0 : (double)correct / total,
            MacroAverage = Avg("macro avg", _ => 1), WeightedAverage = Avg("weighted avg", s => s.Support),
        };
    }

    public string ToMarkdown(string title)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {title}").AppendLine();
        sb.AppendLine($"Accuracy: **{Accuracy * 100:F2}%** on {Total} images.").AppendLine();
        sb.AppendLine("| class | precision | recall | f1 | support |").AppendLine("|---|---:|---:|---:|---:|");
        foreach (var s in PerClass.Append(MacroAverage).Append(WeightedAverage))
            sb.AppendLine(FormattableString.Invariant($"| {s.Class.Replace("|", "\\|")} | {s.Precision:F4} | {s.Recall:F4} | {s.F1:F4} | {s.Support} |"));
        return sb.ToString();
    }

    public void WriteFiles(string dir, string title)
    {
        AtomicFile.WriteAllText(Path.Combine(dir, "report.md"), ToMarkdown(title));
        AtomicFile.Write(Path.Combine(dir, "report.csv"), s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            using var csv = new CsvWriter(w, CultureInfo.InvariantCulture);
            foreach (var h in new[] { "class", "precision", "recall", "f1", "support" }) csv.WriteField(h);
            csv.NextRecord();
            foreach (var r in PerClass.Append(MacroAverage).Append(WeightedAverage))
            {
                csv.WriteField(r.Class); csv.WriteField(r.Precision); csv.WriteField(r.Recall); csv.WriteField(r.F1); csv.WriteField(r.Support);
                csv.NextRecord();
            }
            csv.WriteField("accuracy"); csv.WriteField(""); csv.WriteField(""); csv.WriteField(Accuracy); csv.WriteField(Total);
            csv.NextRecord();
        });
        AtomicFile.Write(Path.Combine(dir, "confusion.csv"), s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            using var csv = new CsvWriter(w, CultureInfo.InvariantCulture);
            csv.WriteField("true\\predicted");
            foreach (var c in Classes) csv.WriteField(c);
            csv.NextRecord();
            for (int i = 0; i < Classes.Count; i++)
            {
                csv.WriteField(Classes[i]);
                for (int j = 0; j < Classes.Count; j++) csv.WriteField(Confusion[i, j]);
                csv.NextRecord();
            }
        });
    }
}
