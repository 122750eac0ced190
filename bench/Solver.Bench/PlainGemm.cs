namespace Solver.Bench;

/// <summary>
/// C = A B on arrays with a good scalar loop order (i, k, j: a row of C stays in cache, B streams), Parallel.For over rows.
/// Not a backend: it shows what scalar C# reaches here, the ceiling the ILGPU kernels are held against.
/// </summary>
public static class PlainGemm
{
    public static void Run(float[] a, float[] b, float[] c, int m, int n, int k) =>
        Parallel.For(0, m, i =>
        {
            var row = c.AsSpan(i * n, n);
            row.Clear();
            for (int p = 0; p < k; p++)
            {
                float av = a[i * k + p];
                var bRow = b.AsSpan(p * n, n);
                for (int j = 0; j < n; j++) row[j] += av * bRow[j];
            }
        });
}
