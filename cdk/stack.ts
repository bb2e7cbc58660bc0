/**
 * The pipeline of design.md §4, split by concern into constructs. Reads like a table of
 * contents: storage first, then each flow as its function lands.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Storage } from './constructs/storage.ts';

export class ProspectHygieneStack extends Stack {
  readonly storage: Storage;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.storage = new Storage(this, 'Storage');
  }
}
