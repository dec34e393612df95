import { FieldPath, requireInteger, SiteError } from '@cdk8s-vserver/core';
import { Testing } from 'cdk8s';
import { Construct } from 'constructs';

describe('FieldPath: where the user wrote a value', () => {
  test('child and index build the path a message names', () => {
    const site = new Construct(Testing.app(), 'Site');
    expect(FieldPath.of(site).child('servers').index(1).child('address').toString()).toBe('servers[1].address');
    expect(FieldPath.of(site, 'facts').child('nas').child('host').toString()).toBe('facts.nas.host');
  });

  test('a construct declared at a path: its errors and its children\'s name the site and the path, props renamed where the declaration calls them otherwise', () => {
    const app = Testing.app();
    const site = new Construct(app, 'Site');
    const web = new Construct(app, 'web');
    FieldPath.of(site).child('servers').index(1).declare(web, 'Shop', { httpdImage: 'servers[1].version', host: 'facts.nas.host' });
    const shop = new Construct(web, 'Shop');
    const inner = new Construct(shop, 'Docroot');
    expect(() => requireInteger(shop, 'replicas', 0, 1)).toThrow("[Site] 'servers[1].replicas' must be an integer of at least 1, got 0");
    expect(() => requireInteger(inner, 'host', 0, 1)).toThrow("[Site] 'facts.nas.host' must");
    expect(FieldPath.nameOf(shop, 'httpdImage (its tag)')).toBe('servers[1].version (its tag)');
    expect(FieldPath.nameOf(shop, 'hostnames[2]')).toBe('servers[1].hostnames[2]');
    expect(FieldPath.nameOf(shop, 'apiVipHolder virtualRouterId')).toBe('servers[1].apiVipHolder virtualRouterId');
    expect(SiteError.atConstruct(inner, 'has no room').message).toBe('[Site] servers[1]: has no room');
  });

  test('negative control: a construct nobody declared names itself, and a sibling of a declared one too', () => {
    const app = Testing.app();
    const web = new Construct(app, 'web');
    FieldPath.of(new Construct(app, 'Site'), 'servers[0]').declare(web, 'Shop');
    expect(() => requireInteger(new Construct(web, 'Blog'), 'replicas', 0, 1)).toThrow("[web/Blog] 'replicas' must be an integer of at least 1, got 0");
    expect(SiteError.atConstruct(new Construct(app, 'Other'), 'has no room').message).toBe('[Other] has no room');
  });
});
