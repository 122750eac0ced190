using System.Globalization;
using System.Net;
using System.Text;
using Solver.Layers;

namespace Solver.Trainer.Reports;

/// <summary>One self-contained page (pictures embedded as data URIs) with the run's curves, test metrics and layers.</summary>
public static class HtmlReport
{
    public const string FileName = "report.html";

    public static void Write(string dir, string title, IReadOnlyList<EpochMetrics> history, ClassificationReport report, string model)
    {
        var inv = CultureInfo.InvariantCulture;
        var h = new StringBuilder();
        h.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(Enc(title)).Append("</title><style>")
         .Append("body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}")
         .Append("td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th:first-child,td:first-child{text-align:left}img{max-width:100%}")
         .Append("</style></head><body>");
        h.Append("<h1>").Append(Enc(title)).Append("</h1><p><code>").Append(Enc(model)).Append("</code></p>");
        h.Append(inv, $"<p>Test accuracy <b>{report.Accuracy * 100:F2}%</b> on {report.Total} images; macro F1 {report.MacroAverage.F1:F4}.</p>");

        h.Append("<h2>Training</h2>");
        Picture(h, dir, TrainingCharts.LossFile, "loss per epoch");
        Picture(h, dir, TrainingCharts.AccuracyFile, "accuracy per epoch");
        h.Append("<table><tr><th>epoch</th><th>train loss</th><th>train acc</th><th>val loss</th><th>val acc</th><th>seconds</th><th>images/s</th></tr>");
        foreach (var r in history)
            h.Append(inv, $"<tr><td>{r.Epoch}</td><td>{r.TrainLoss:F4}</td><td>{r.TrainAccuracy * 100:F2}%</td><td>{r.ValLoss:F4}</td><td>{r.ValAccuracy * 100:F2}%</td><td>{r.Seconds:F1}</td><td>{r.ImagesPerSecond:F0}</td></tr>");
        h.Append("</table>");

        h.Append("<h2>Test set</h2>");
        Picture(h, dir, TrainingCharts.ConfusionFile, "confusion matrix");
        h.Append("<table><tr><th>class</th><th>precision</th><th>recall</th><th>f1</th><th>support</th></tr>");
        foreach (var s in report.PerClass.Append(report.MacroAverage).Append(report.WeightedAverage))
            h.Append(inv, $"<tr><td>{Enc(s.Class)}</td><td>{s.Precision:F4}</td><td>{s.Recall:F4}</td><td>{s.F1:F4}</td><td>{s.Support}</td></tr>");
        h.Append("</table>");

        h.Append("<h2>Layers</h2><p>First conv layer's filters (red positive, blue negative):</p>");
        Picture(h, dir, LayerPictures.FiltersFile, "first conv layer filters");
        h.Append("<p>A test image and what each conv layer (after ReLU) makes of it:</p>");
        Picture(h, dir, LayerPictures.ActivationsFile, "activations");
        h.Append("</body></html>");
        AtomicFile.WriteAllText(Path.Combine(dir, FileName), h.ToString());
    }

    private static void Picture(StringBuilder h, string dir, string file, string alt)
    {
        var path = Path.Combine(dir, file);
        if (!File.Exists(path)) return;
        h.Append("<p><img alt=\"").Append(Enc(alt)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(File.ReadAllBytes(path))).Append("\"></p>");
    }

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
