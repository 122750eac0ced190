namespace Solver.Trainer;

/// <summary>Indices of the train, validation and test sets.</summary>
public sealed record DataSplit(int[] Train, int[] Val, int[] Test);

/// <summary>
/// A seeded split that keeps every group (a CROHME expression) on one side and is stratified by class as far as
/// groups allow: groups are visited in a seeded random order and each goes to the side whose per-class quota its
/// symbols fill best. The per-class cap drops whole images at random, before the split.
/// </summary>
public static class Splitter
{
    public static DataSplit Split(Dataset data, SplitConfig split, int maxPerClass)
    {
        var rng = new Random(split.Seed);
        var kept = Enumerable.Range(0, data.Count).ToList();
        if (maxPerClass > 0)
        {
            var shuffled = kept.OrderBy(_ => rng.Next()).ToList();
            var seen = new int[data.Classes.Count];
            kept = shuffled.Where(i => seen[data.Labels[i]]++ < maxPerClass).OrderBy(i => i).ToList();
        }

        var fractions = new[] { split.Train, split.Val, split.Test };
        var totals = data.CountPerClass(kept);
        var target = new double[3, data.Classes.Count];
        for (int s = 0; s < 3; s++)
        for (int c = 0; c < totals.Length; c++) target[s, c] = fractions[s] * totals[c];
        var have = new int[3, data.Classes.Count];

        var groups = kept.GroupBy(i => data.Groups[i]).Select(g => g.ToArray()).ToList();
        // Seeded order: sort by group id first so the order never depends on dictionary iteration.
        groups = groups.OrderBy(g => data.Groups[g[0]]).OrderBy(_ => rng.Next()).ToList();
        var sides = new List<int>[] { new(), new(), new() };
        foreach (var g in groups)
        {
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int s = 0; s < 3; s++)
            {
                if (fractions[s] <= 0) continue;
                // Relative room left for this group's symbols on side s.
                double score = 0;
                foreach (var i in g)
                {
                    int c = data.Labels[i];
                    score += (target[s, c] - have[s, c]) / Math.Max(1.0, target[s, c]);
                }
                score /= g.Length;
                if (score > bestScore) { bestScore = score; best = s; }
            }
            foreach (var i in g) { sides[best].Add(i); have[best, data.Labels[i]]++; }
        }
        return new DataSplit([.. sides[0].Order()], [.. sides[1].Order()], [.. sides[2].Order()]);
    }

    /// <summary>
    /// Keeps at most <paramref name="maxPerClass"/> training images of each class (a seeded random choice), leaving
    /// validation and test untouched: a smaller training set measured on the same test images.
    /// </summary>
    public static DataSplit CapTraining(Dataset data, DataSplit split, int maxPerClass, int seed)
    {
        if (maxPerClass <= 0) return split;
        var rng = new Random(seed ^ 0x5EED);
        var seen = new int[data.Classes.Count];
        var train = split.Train.OrderBy(_ => rng.Next()).Where(i => seen[data.Labels[i]]++ < maxPerClass).Order().ToArray();
        return split with { Train = train };
    }

    /// <summary>The validation images moved into the training set (a final fit); test untouched.</summary>
    public static DataSplit TrainOnVal(DataSplit split) => new([.. split.Train.Concat(split.Val).Order()], [], split.Test);
}
