namespace Solver.Trainer;

/// <summary>
/// Weights as the command lines and the server take them: one file, or several separated by commas (an ensemble of
/// networks trained on the same classes, read together and their probabilities averaged).
/// </summary>
public static class WeightsList
{
    public static IReadOnlyList<string> Split(string weights)
    {
        var files = weights.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return files.Length > 0 ? files : throw new ArgumentException("no weights file given");
    }

    /// <summary>Every file of the list, checked to know the same classes in the same order and to take the same input.</summary>
    public static IReadOnlyList<ModelWeights> Load(string weights) => Check(Split(weights).Select(ModelWeights.Load).ToList());

    public static IReadOnlyList<ModelWeights> Check(IReadOnlyList<ModelWeights> members)
    {
        if (members.Count == 0) throw new ArgumentException("no weights given");
        var first = members[0];
        if (members.Any(m => !m.Classes.SequenceEqual(first.Classes) || !m.Model.Input.SequenceEqual(first.Model.Input)))
            throw new InvalidDataException("the weights files of an ensemble must know the same classes in the same order and take the same input");
        return members;
    }
}
