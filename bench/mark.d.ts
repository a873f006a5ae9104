/** The part of mark.js 8 the benchmark uses (the package ships no types). */
declare module 'mark.js' {
  interface MarkOptions {
    accuracy?: 'partially' | 'complementary' | 'exactly';
    separateWordSearch?: boolean;
    diacritics?: boolean;
    caseSensitive?: boolean;
    filter?: (node: Text, term: string, totalCounter: number, counter: number) => boolean;
    noMatch?: (term: string) => void;
    done?: (total: number) => void;
  }
  export default class Mark {
    constructor(context: Element | Element[] | NodeList | string);
    mark(keywords: string | string[], options?: MarkOptions): void;
    unmark(options?: { done?: () => void }): void;
  }
}
