namespace Solver.Inference.Reading;

/// <summary>
/// The recognizer's weights as the command line and the server take them: one file, or several separated by commas
/// (an ensemble of networks trained on the same classes, read together and averaged).
/// </summary>
public static class WeightsList
{
    public static IReadOnlyList<string> Split(string weights)
    {
        var files = weights.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return files.Length > 0 ? files : throw new ArgumentException("no recognizer weights given");
    }
}
