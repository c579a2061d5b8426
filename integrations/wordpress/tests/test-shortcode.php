<?php
// Runs the plugin under PHP's CLI with the few WordPress functions it calls stubbed as
// WordPress defines them, and checks what the shortcode writes. Exit status 1 on a failure.

define( 'ABSPATH', __DIR__ . '/' );

$GLOBALS['options']    = array();
$GLOBALS['shortcodes'] = array();
$GLOBALS['enqueued']   = array();
$GLOBALS['can_edit']   = false;
$GLOBALS['settings_errors'] = array();

function get_option( $name, $default = false ) {
	return array_key_exists( $name, $GLOBALS['options'] ) ? $GLOBALS['options'][ $name ] : $default;
}
function add_shortcode( $tag, $callback ) { $GLOBALS['shortcodes'][ $tag ] = $callback; }
function add_action( $hook, $callback ) {}
function shortcode_atts( $pairs, $atts, $shortcode = '' ) {
	$atts = (array) $atts;
	$out  = array();
	foreach ( $pairs as $name => $default ) {
		$out[ $name ] = array_key_exists( $name, $atts ) ? $atts[ $name ] : $default;
	}
	return $out;
}
function wp_parse_url( $url ) { return @parse_url( $url ); }
function absint( $n ) { return abs( (int) $n ); }
function __( $text, $domain = 'default' ) { return $text; }
function esc_html__( $text, $domain = 'default' ) { return esc_html( $text ); }
function esc_html( $text ) { return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' ); }
function esc_attr( $text ) { return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' ); }
// WordPress's esc_url keeps only allowed protocols and encodes what an attribute cannot hold.
function esc_url( $url ) {
	if ( ! preg_match( '#^https?://#i', $url ) ) {
		return '';
	}
	return str_replace( '&', '&#038;', htmlspecialchars( $url, ENT_QUOTES, 'UTF-8', false ) );
}
function current_user_can( $capability ) { return $GLOBALS['can_edit']; }
function wp_enqueue_script( $handle, $src, $deps = array(), $ver = false, $in_footer = false ) {
	$GLOBALS['enqueued'][ $handle ] = $src;
}
function add_settings_error( $setting, $code, $message, $type = 'error' ) { $GLOBALS['settings_errors'][] = $message; }
function add_filter( $hook, $callback ) { $GLOBALS['filters'][ $hook ] = $callback; }
function plugin_basename( $file ) { return 'undersigned/' . basename( $file ); }
function admin_url( $path ) { return 'https://charity.example/wp-admin/' . $path; }
$GLOBALS['transients'] = array();
function get_transient( $key ) { return array_key_exists( $key, $GLOBALS['transients'] ) ? $GLOBALS['transients'][ $key ] : false; }
function set_transient( $key, $value, $expiry ) { $GLOBALS['transients'][ $key ] = $value; }
function delete_transient( $key ) { unset( $GLOBALS['transients'][ $key ] ); }
function delete_option( $name ) { unset( $GLOBALS['options'][ $name ] ); }
// The service, as wp_remote_get would meet it: address => [status, body], or an error.
$GLOBALS['remote']    = array();
$GLOBALS['requested'] = array();
class WP_Error {
	public function __construct( $message ) { $this->message = $message; }
	public function get_error_message() { return $this->message; }
}
function is_wp_error( $thing ) { return $thing instanceof WP_Error; }
function wp_remote_get( $url, $args = array() ) {
	$GLOBALS['requested'][] = $url;
	return isset( $GLOBALS['remote'][ $url ] ) ? $GLOBALS['remote'][ $url ] : new WP_Error( 'could not connect' );
}
function wp_remote_retrieve_response_code( $answer ) { return $answer[0]; }
function wp_remote_retrieve_body( $answer ) { return $answer[1]; }

require dirname( __DIR__ ) . '/undersigned/undersigned.php';

$failures = 0;
function check( $condition, $what, $output = '' ) {
	global $failures;
	if ( $condition ) {
		echo "ok   - $what\n";
	} else {
		$failures++;
		echo "FAIL - $what\n       $output\n";
	}
}
function render( $atts ) {
	$GLOBALS['enqueued'] = array();
	return call_user_func( $GLOBALS['shortcodes']['undersigned'], $atts );
}

check( isset( $GLOBALS['shortcodes']['undersigned'] ), 'the shortcode is registered' );

$GLOBALS['options'][ UNDERSIGNED_OPTION ] = 'https://sign.example.org/';
$out = render( array( 'campaign' => 'scrapsi445', 'source' => 'nyas' ) );
check(
	$out === '<iframe data-undersigned src="https://sign.example.org/embed/scrapsi445?source=nyas" title="Sign this campaign" loading="lazy" style="display:block;width:100%;max-width:40rem;height:720px;border:0"></iframe>',
	'the iframe of the campaign\'s form, crediting the partner',
	$out
);
check( $GLOBALS['enqueued'] === array( 'undersigned-embed' => 'https://sign.example.org/embed.js' ), 'embed.js is loaded from the service to size the frame', json_encode( $GLOBALS['enqueued'] ) );

$out = render( array( 'campaign' => '"><script>alert(1)</script>' ) );
check( false === strpos( $out, '<script' ) && false === strpos( $out, '<iframe' ), 'a hostile campaign writes no markup', $out );
check( 0 === strpos( $out, '<!-- undersigned:' ), 'visitors see only a comment', $out );

$GLOBALS['can_edit'] = true;
$out = render( array( 'campaign' => 'x' ) );
check( false !== strpos( $out, 'class="undersigned-notice"' ), 'editors see what is wrong', $out );
$GLOBALS['can_edit'] = false;

$out = render( array( 'campaign' => 'scrapsi445', 'source' => 'nyas" onload="alert(1)' ) );
check( false !== strpos( $out, 'src="https://sign.example.org/embed/scrapsi445"' ) && false === strpos( $out, 'onload' ), 'a malformed source is dropped', $out );

$out = render( array( 'campaign' => 'scrapsi445', 'title' => '"><img src=x onerror=alert(1)> Llofnodwch / وقّع' ) );
check( false !== strpos( $out, 'title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt; Llofnodwch / وقّع"' ), 'the title is escaped, Welsh and Arabic kept', $out );
check( 2 === substr_count( $out, '<' ), 'the iframe alone: nothing else opens a tag', $out );

$out = render( array( 'campaign' => 'scrapsi445', 'height' => '99999' ) );
check( false !== strpos( $out, 'height:3000px' ), 'the height is bounded', $out );
$out = render( array( 'campaign' => 'scrapsi445', 'height' => '-5' ) );
check( false !== strpos( $out, 'height:200px' ), 'a negative height is bounded', $out );

$out = render( array( 'campaign' => 'scrapsi445', 'url' => 'javascript:alert(1)//' ) );
check( false !== strpos( $out, 'src="https://sign.example.org/embed/scrapsi445"' ), 'a javascript: url attribute falls back to the setting', $out );
$out = render( array( 'campaign' => 'scrapsi445', 'url' => 'http://127.0.0.1:8080' ) );
check( false !== strpos( $out, 'src="http://127.0.0.1:8080/embed/scrapsi445"' ), 'the url attribute sets the service for one form', $out );
$out = render( array( 'campaign' => 'scrapsi445', 'url' => 'https://evil.example/"><script>' ) );
check( false === strpos( $out, '<script' ) && false === strpos( $out, 'evil' ), 'a url with markup in its path is not used', $out );

$GLOBALS['options'][ UNDERSIGNED_OPTION ] = '';
$out = render( array( 'campaign' => 'scrapsi445' ) );
check( false === strpos( $out, '<iframe' ) && array() === $GLOBALS['enqueued'], 'without a service address, no frame and no script', $out );

$GLOBALS['options'][ UNDERSIGNED_OPTION ] = 'https://sign.example.org';
$GLOBALS['remote']['https://sign.example.org/petitions/healthz'] = array( 200, '{"status":"ok"}' );
$GLOBALS['remote']['https://sign.example.org/healthz']           = array( 200, '{"status":"ok"}' );
check( 'https://sign.example.org/petitions' === undersigned_sanitize_service_url( ' https://sign.example.org/petitions/ ' ), 'the setting is kept without a trailing slash' );
check( array() === $GLOBALS['settings_errors'], 'an address that answers as the service is saved without a word', json_encode( $GLOBALS['settings_errors'] ) );
check( 'https://sign.example.org' === undersigned_sanitize_service_url( 'ftp://files.example.org' ) && 1 === count( $GLOBALS['settings_errors'] ), 'a non-http setting is refused and the old one kept' );

// What people paste: embed.js's address or a form's is cut back to the service.
foreach ( array( 'https://sign.example.org/embed.js', 'https://sign.example.org/embed/scrapsi445?source=nyas', 'https://sign.example.org/v1/campaigns/scrapsi445' ) as $pasted ) {
	$GLOBALS['settings_errors'] = array();
	check( 'https://sign.example.org' === undersigned_sanitize_service_url( $pasted ) && array() === $GLOBALS['settings_errors'], "$pasted is kept as the service's address", json_encode( $GLOBALS['settings_errors'] ) );
}

// A query is refused with what is wrong, and what was typed stays in the field.
$GLOBALS['settings_errors'] = array();
$kept = undersigned_sanitize_service_url( 'https://sign.example.org/petitions?x=1' );
check( 'https://sign.example.org' === $kept, 'an address with a query leaves the setting as it was' );
check( 1 === count( $GLOBALS['settings_errors'] ) && false !== strpos( $GLOBALS['settings_errors'][0], '?query' ) && false === strpos( $GLOBALS['settings_errors'][0], 'must start with' ), 'the refusal says what is actually wrong', json_encode( $GLOBALS['settings_errors'] ) );
ob_start();
undersigned_render_url_field();
$field = ob_get_clean();
check( false !== strpos( $field, 'value="https://sign.example.org/petitions?x=1"' ), 'the field shows what was typed, to correct it', $field );

// An address that does not answer as the service is saved, with a clear warning.
$GLOBALS['settings_errors'] = array();
check( 'https://wrong.example.org' === undersigned_sanitize_service_url( 'https://wrong.example.org' ), 'an unreachable address is still saved' );
check( 1 === count( $GLOBALS['settings_errors'] ) && false !== strpos( $GLOBALS['settings_errors'][0], 'does not answer as an Undersigned service' ), 'and the administrator is told it does not answer as the service', json_encode( $GLOBALS['settings_errors'] ) );
$GLOBALS['remote']['https://blog.example.org/healthz'] = array( 200, '<html>a blog</html>' );
$GLOBALS['settings_errors'] = array();
undersigned_sanitize_service_url( 'https://blog.example.org' );
check( 1 === count( $GLOBALS['settings_errors'] ), 'a site that answers, but not as the service, is warned of too', json_encode( $GLOBALS['settings_errors'] ) );

// Editors, not visitors, are told when the campaign shows no form.
$GLOBALS['options'][ UNDERSIGNED_OPTION ] = 'https://sign.example.org';
$GLOBALS['remote']['https://sign.example.org/v1/campaigns/no-such-campaign'] = array( 404, '{"type":"urn:undersigned:problem:not-found"}' );
$GLOBALS['remote']['https://sign.example.org/v1/campaigns/closed-one']       = array( 200, '{"status":"closed"}' );
$GLOBALS['can_edit'] = true;
$out = render( array( 'campaign' => 'no-such-campaign' ) );
check( false !== strpos( $out, 'class="undersigned-notice"' ) && false !== strpos( $out, 'there is no open campaign' ) && false !== strpos( $out, '<iframe' ), 'an editor is told the slug is wrong or the campaign a draft', $out );
$out = render( array( 'campaign' => 'closed-one' ) );
check( false !== strpos( $out, 'this campaign has closed' ), 'an editor is told the campaign has closed', $out );
$asked = count( $GLOBALS['requested'] );
render( array( 'campaign' => 'closed-one' ) );
check( count( $GLOBALS['requested'] ) === $asked, 'the service is asked at most every few minutes', json_encode( $GLOBALS['requested'] ) );
$GLOBALS['can_edit'] = false;
$GLOBALS['requested'] = array();
$out = render( array( 'campaign' => 'no-such-campaign' ) );
check( false === strpos( $out, 'undersigned-notice' ) && array() === $GLOBALS['requested'], 'visitors see no notice, and cost no request', $out );

// A Settings link on the Plugins screen; deleting the plugin deletes its setting.
$links = call_user_func( $GLOBALS['filters']['plugin_action_links_undersigned/undersigned.php'], array( '<a>Deactivate</a>' ) );
check( 2 === count( $links ) && false !== strpos( $links[0], 'options-general.php?page=undersigned' ) && false !== strpos( $links[0], '>Settings<' ), 'the Plugins row links to the settings', json_encode( $links ) );
define( 'WP_UNINSTALL_PLUGIN', true );
$GLOBALS['transients']['undersigned_typed_url'] = 'x';
require dirname( __DIR__ ) . '/undersigned/uninstall.php';
check( ! array_key_exists( UNDERSIGNED_OPTION, $GLOBALS['options'] ) && false === get_transient( 'undersigned_typed_url' ), 'uninstalling removes the setting' );

if ( $failures > 0 ) {
	echo "$failures failed\n";
	exit( 1 );
}
echo "all passed\n";
