using ScottPlot;

namespace Solver.Trainer.Reports;

/// <summary>The charts people look at first: loss and accuracy per epoch, and where the test errors go.</summary>
public static class TrainingCharts
{
    public const string LossFile = "loss.png", AccuracyFile = "accuracy.png", ConfusionFile = "confusion.png";

    public static void WriteCurves(string dir, IReadOnlyList<EpochMetrics> history)
    {
        double[] epochs = [.. history.Select(h => (double)h.Epoch)];
        Curves(Path.Combine(dir, LossFile), "Loss", "cross-entropy", epochs,
            ("train", [.. history.Select(h => h.TrainLoss)]), ("validation", [.. history.Select(h => h.ValLoss)]));
        Curves(Path.Combine(dir, AccuracyFile), "Accuracy", "accuracy (%)", epochs,
            ("train", [.. history.Select(h => h.TrainAccuracy * 100)]), ("validation", [.. history.Select(h => h.ValAccuracy * 100)]));
    }

    private static void Curves(string path, string title, string yLabel, double[] epochs, params (string Name, double[] Values)[] series)
    {
        var plot = new Plot();
        foreach (var (name, values) in series)
        {
            var line = plot.Add.Scatter(epochs, values);
            line.LegendText = name;
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend();
        Save(plot, path, 720, 440);
    }

    /// <summary>Rows are true classes, columns predictions; each row is normalised to its class's share (recall on the diagonal).</summary>
    public static void WriteConfusion(string dir, ClassificationReport report)
    {
        int n = report.Classes.Count;
        var share = new double[n, n];
        for (int t = 0; t < n; t++)
        {
            double total = 0;
            for (int p = 0; p < n; p++) total += report.Confusion[t, p];
            for (int p = 0; p < n; p++) share[t, p] = total > 0 ? report.Confusion[t, p] / total : 0;
        }
        var plot = new Plot();
        var map = plot.Add.Heatmap(share);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(map);
        double[] at = [.. Enumerable.Range(0, n).Select(i => (double)i)];
        string[] names = [.. report.Classes];
        plot.Axes.Bottom.SetTicks(at, names);
        plot.Axes.Left.SetTicks([.. at.Select(v => n - 1 - v)], names); // row 0 is drawn at the top
        plot.Axes.Bottom.TickLabelStyle.Rotation = 90;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Title("Test confusion (row share)");
        plot.XLabel("predicted");
        plot.YLabel("true");
        int size = Math.Clamp(240 + 18 * n, 480, 2000);
        Save(plot, path: Path.Combine(dir, ConfusionFile), size + 120, size);
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        var bytes = plot.GetImageBytes(width, height, ImageFormat.Png);
        Solver.Layers.AtomicFile.Write(path, s => s.Write(bytes));
    }
}
