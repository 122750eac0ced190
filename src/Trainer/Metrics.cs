using System.Globalization;
using CsvHelper;
using Solver.Layers;

namespace Solver.Trainer;

/// <summary>One row of metrics.csv.</summary>
public sealed class EpochMetrics
{
    public int Epoch { get; set; }
    public double TrainLoss { get; set; }
    public double TrainAccuracy { get; set; }
    public double ValLoss { get; set; }
    public double ValAccuracy { get; set; }
    public double Seconds { get; set; }
    public double ImagesPerSecond { get; set; }
}

public static class MetricsFile
{
    /// <summary>Rewrites the whole file atomically, so a crash never leaves half a row.</summary>
    public static void Write(string path, IEnumerable<EpochMetrics> rows) =>
        AtomicFile.Write(path, s =>
        {
            using var writer = new StreamWriter(s, leaveOpen: true);
            using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
            csv.Context.RegisterClassMap<EpochMetricsMap>();
            csv.WriteRecords(rows);
        });

    private sealed class EpochMetricsMap : CsvHelper.Configuration.ClassMap<EpochMetrics>
    {
        public EpochMetricsMap()
        {
            Map(m => m.Epoch).Name("epoch");
            Map(m => m.TrainLoss).Name("train_loss");
            Map(m => m.TrainAccuracy).Name("train_accuracy");
            Map(m => m.ValLoss).Name("val_loss");
            Map(m => m.ValAccuracy).Name("val_accuracy");
            Map(m => m.Seconds).Name("seconds");
            Map(m => m.ImagesPerSecond).Name("images_per_second");
        }
    }
}
