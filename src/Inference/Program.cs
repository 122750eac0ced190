namespace Solver.Inference;

public static class Program
{
    public static int Main(string[] args) => SolveCli.Run(args);
}
