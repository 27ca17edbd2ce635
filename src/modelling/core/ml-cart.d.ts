// ml-cart 2.1.1 ships no type declarations. It is ml-random-forest's tree implementation; the specs
// use it directly to prove cart-builder.ts builds identical trees.
declare module 'ml-cart' {
  export interface DecisionTreeClassifierOptions {
    gainFunction?: 'gini';
    splitFunction?: 'mean';
    minNumSamples?: number;
    maxDepth?: number;
    gainThreshold?: number;
  }

  export class DecisionTreeClassifier {
    constructor(options?: DecisionTreeClassifierOptions);
    train(trainingSet: number[][], trainingLabels: number[]): void;
    predict(toPredict: number[][]): number[];
    toJSON(): object;
    static load(model: object): DecisionTreeClassifier;
  }
}
