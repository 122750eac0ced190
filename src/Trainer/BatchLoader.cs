namespace Solver.Trainer;

/// <summary>
/// Double-buffered training batches: while the device runs batch b, a worker decodes and augments batch b+1 into the
/// other buffer. Augmentation draws from a random stream seeded by (seed, epoch, batch), so the images do not depend on
/// which thread made them or when: a resumed run sees the same batches as an uninterrupted one.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    private readonly Dataset data;
    private readonly AugmentConfig? augment;
    private readonly int seed, batch;
    private readonly float[][] images;
    private readonly int[][] labels;
    private Task? pending;
    private (int Epoch, int Batch) pendingKey = (-1, -1);
    private int next;

    public BatchLoader(Dataset data, AugmentConfig? augment, int batch, int seed)
    {
        this.data = data;
        this.augment = augment;
        this.batch = batch;
        this.seed = seed;
        images = [new float[batch * SymbolImage.Pixels], new float[batch * SymbolImage.Pixels]];
        labels = [new int[batch], new int[batch]];
    }

    /// <summary>Batch <paramref name="b"/> of the epoch's order (prepared ahead when possible), and starts on b+1.</summary>
    public (float[] Images, int[] Labels, int Count) Get(int[] order, int epoch, int b)
    {
        int slot;
        if (pending is not null && pendingKey == (epoch, b))
        {
            pending.GetAwaiter().GetResult(); // rethrows the worker's own exception, not an AggregateException
            slot = next;
        }
        else
        {
            Finish();
            slot = next;
            Fill(order, epoch, b, slot);
        }
        pending = null;
        int n = Math.Min(batch, order.Length - b * batch);
        int batches = (order.Length + batch - 1) / batch;
        next = 1 - slot;
        if (b + 1 < batches)
        {
            int target = next;
            pendingKey = (epoch, b + 1);
            pending = Task.Run(() => Fill(order, epoch, b + 1, target));
        }
        return (images[slot], labels[slot], n);
    }

    private void Fill(int[] order, int epoch, int b, int slot)
    {
        int n = Math.Min(batch, order.Length - b * batch);
        var rng = augment is null ? null : new Random(unchecked(seed * 7_368_787 + epoch * 1_000_003 + b));
        data.FillBatch(order.AsSpan(b * batch, n), images[slot], labels[slot], augment, rng);
    }

    /// <summary>Waits for work in flight, so that nothing touches the dataset after the caller moves on.</summary>
    public void Finish()
    {
        try { pending?.Wait(); }
        catch (AggregateException) { /* the batch it made is dropped; Get refills it and reports the error itself */ }
        pending = null;
        pendingKey = (-1, -1);
    }

    public void Dispose() => Finish();
}
